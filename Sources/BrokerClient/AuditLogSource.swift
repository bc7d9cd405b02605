import CanonicalJSON
import Foundation
import LogVerification
import SamtykkeCore
import TransparencyLog

/// The broker's auditor endpoints (SPEC §2, §4) as a `LogSource`. Answers are decoded strictly but
/// not trusted: `LogVerification` checks them against the signed checkpoint.
public struct AuditLogSource: LogSource, AuditorOpeningSource {
    public let client: BrokerClient

    public init(client: BrokerClient) {
        self.client = client
    }

    struct EntriesPage: Decodable {
        struct Item: Decodable {
            let index: UInt64
            let entry: String
            let opening: JSONValue?
        }
        let entries: [Item]
    }

    struct Proof: Decodable {
        let hashes: [String]
    }

    public func signedCheckpoint() async throws -> String {
        String(decoding: try await client.send("GET", "/v1/audit/checkpoint"), as: UTF8.self)
    }

    /// The newest checkpoint, opened with `key`; the note is returned as the broker served it.
    public func signedCheckpoint(verifiedWith key: String) async throws -> (checkpoint: Checkpoint, note: String) {
        let note = try await signedCheckpoint()
        do {
            return (try Checkpoint.open(note, verifier: NoteVerifier(verifierKey: key)), note)
        } catch {
            throw BrokerClientError.checkpointDoesNotVerify(cause: error)
        }
    }

    /// GET /v1/audit/log-key: the log's verifier key as this broker publishes it, which shows whose
    /// notes are well formed, not who signed them.
    public func publishedLogKey() async throws -> String {
        let key = String(decoding: try await client.send("GET", "/v1/audit/log-key"), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            _ = try NoteVerifier(verifierKey: key)
        } catch {
            throw BrokerClientError.notALogKey(url: "\(client.server)/v1/audit/log-key", cause: error)
        }
        return key
    }

    public func entries(start: UInt64, limit: Int) async throws -> [ServedEntry] {
        try await entries(query: "start=\(start)&limit=\(limit)").map(\.served)
    }

    /// An entry as `/v1/audit/entries` serves it to an auditor: with its opening, for a v2 entry
    /// that still has one.
    public struct AuditedEntry: Sendable {
        public let served: ServedEntry
        public let opening: JSONValue?
    }

    /// At most `limit` entries from `start` on, only those about what `filters` name (`consentId`,
    /// `personId`, `bankOrg`), handed to `page` as the broker serves them, up to 1000 at a time.
    public func entries(
        from start: UInt64, limit: Int, filters: [(name: String, value: String)], page: ([AuditedEntry]) throws -> Void
    ) async throws {
        let query = filters.map { "&\($0.name)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.value)" }.joined()
        var next = start
        var listed = 0
        while listed < limit {
            let wanted = min(1000, limit - listed)
            let served = try await entries(query: "start=\(next)&limit=\(wanted)\(query)")
            try page(served)
            listed += served.count
            guard served.count == wanted, let last = served.last else { return }
            next = last.served.index + 1
        }
    }

    /// A page of entries for any query the broker accepts (filters included).
    func entries(query: String) async throws -> [AuditedEntry] {
        let page = try await client.get("/v1/audit/entries?\(query)", as: EntriesPage.self)
        return try page.entries.map { item in
            guard let leaf = Data(base64Encoded: item.entry) else { throw BrokerClientError.entryNotBase64(index: item.index) }
            return AuditedEntry(served: ServedEntry(index: item.index, leaf: Array(leaf)), opening: item.opening)
        }
    }

    /// A bundle holding a v1 entry is the auditors' (SPEC §4): without the key it is `EntriesWithheld`.
    public func entryBundle(_ tile: TilePath) async throws -> [UInt8] {
        do {
            return try await client.send("GET", "/v1/audit/tlog/tile/entries/\(tile.path)")
        } catch let problem as BrokerClient.Problem where problem.status == 401 && client.credential == nil {
            throw EntriesWithheld()
        }
    }

    public func leafHashes(_ tile: TilePath) async throws -> [Hash] {
        let bytes = try await client.send("GET", "/v1/audit/tlog/tile/0/\(tile.path)")
        guard bytes.count == tile.width * 32 else { throw BrokerClientError.tileSize(tile: tile.path, bytes: bytes.count) }
        return stride(from: 0, to: bytes.count, by: 32).map { Hash(bytes: Array(bytes[$0..<$0 + 32]))! }
    }

    struct OpeningsPage: Decodable {
        let openings: [JSONValue]
    }

    /// `GET /v1/audit/openings`: each opening as served, its index and subject key read out of it
    /// and the rest left to the verifier, which names the entry whose opening is malformed.
    public func openings(start: UInt64, limit: Int) async throws -> [ServedOpening] {
        let body = try await client.send("GET", "/v1/audit/openings?start=\(start)&limit=\(limit)")
        // The broker's canonical page in one pass; anything else as JSON, for the verifier to judge.
        if let page = SamtykkeCore.OpeningsPage.scanned(body) {
            return page.items.map { ServedOpening($0.opening, subjectKey: $0.subjectKey) }
        }
        let page = try BrokerClient.decode(body, as: OpeningsPage.self)
        return try page.openings.map { item in
            guard case .object(var object) = item, case .number(let number)? = object["index"], let index = UInt64(exactly: number) else {
                throw BrokerClientError.unreadable(cause: OpeningWithoutIndex())
            }
            var key: String?
            if let value = object.removeValue(forKey: "subjectKey") {
                guard case .string(let text) = value else { throw BrokerClientError.unreadable(cause: OpeningWithoutIndex()) }
                key = text
            }
            return ServedOpening(index: index, opening: .object(object), subjectKey: key)
        }
    }

    /// An opening served without a readable `index` (or with a `subjectKey` that is not a string).
    struct OpeningWithoutIndex: Error, CustomStringConvertible {
        var description: String { "an opening in /v1/audit/openings has no index, or a subjectKey that is not a string" }
    }

    public func inclusionProof(index: UInt64, treeSize: UInt64) async throws -> [Hash] {
        try hashes(try await client.get("/v1/audit/proof/inclusion?index=\(index)&treeSize=\(treeSize)", as: Proof.self))
    }

    public func consistencyProof(from: UInt64, to: UInt64) async throws -> [Hash] {
        try hashes(try await client.get("/v1/audit/proof/consistency?from=\(from)&to=\(to)", as: Proof.self))
    }

    private func hashes(_ proof: Proof) throws -> [Hash] {
        try proof.hashes.enumerated().map { position, text in
            guard let hash = Hash(base64: text) else { throw BrokerClientError.proofHashNotBase64(position: position) }
            return hash
        }
    }
}
