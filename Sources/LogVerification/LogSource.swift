import TransparencyLog

/// What a verifier reads from a log (SPEC §2): the broker over HTTP in the CLI, memory in tests.
///
/// Nothing it returns is trusted: every answer is checked against the signed checkpoint. Transport
/// failures are thrown; a log that answers but answers wrongly is a verification failure instead.
public protocol LogSource: Sendable {
    /// The newest signed checkpoint, exactly as published (a C2SP signed note).
    func signedCheckpoint() async throws -> String

    /// Up to `limit` entries with index at least `start`, in index order.
    func entries(start: UInt64, limit: Int) async throws -> [ServedEntry]

    /// The C2SP `tlog-tiles` entry bundle of `tile` (`tile/entries/<N>[.p/<W>]`), as served; throws
    /// `EntriesWithheld` when the log keeps it to auditors.
    func entryBundle(_ tile: TilePath) async throws -> [UInt8]

    /// The leaf hashes of the entries of `tile`: the public level-0 hash tile (`tile/0/<N>[.p/<W>]`).
    func leafHashes(_ tile: TilePath) async throws -> [Hash]

    /// RFC 9162 PATH(index, D[0:treeSize]).
    func inclusionProof(index: UInt64, treeSize: UInt64) async throws -> [Hash]

    /// RFC 9162 PROOF(from, D[0:to]).
    func consistencyProof(from: UInt64, to: UInt64) async throws -> [Hash]
}
