import Foundation
import SamtykkeCore

/// SPEC §5 "Release against the log", the four checks in order: the proof, the entry, the monitor,
/// one release per entry. What a data holder asks before it answers a consent token.
public struct ReleaseGate: Sendable {
    public let proofs: ProofCheck
    public let monitor: LogMonitor
    public let ledger: ReleaseLedger

    public init(proofs: ProofCheck, monitor: LogMonitor, ledger: ReleaseLedger) {
        self.proofs = proofs
        self.monitor = monitor
        self.ledger = ledger
    }

    /// The policy's one log, followed through `fetcher`, with the monitor's state and the ledger in
    /// `stateDirectory` (`monitor.json`, `releases`).
    public init(policy: LogPolicy, fetcher: any TileFetcher, stateDirectory: String) throws {
        let proofs = try ProofCheck(policy: policy)
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        self.init(
            proofs: proofs,
            monitor: try LogMonitor(log: proofs.log, fetcher: fetcher, statePath: stateDirectory + "/monitor.json"),
            ledger: try ReleaseLedger(path: stateDirectory + "/releases")
        )
    }

    /// Returns the entry data may be released for, recorded as released; throws which check failed.
    /// `claim` is the token's `tlog` claim, nil when it has none.
    public func release(_ claim: ReleaseClaim?, for subject: ReleaseSubject, now: Date = Date()) async throws(ReleaseRefusal) -> PublicEntry {
        guard let claim else { throw ReleaseRefusal(.proof, "the token carries no tlog proof of a data.requested entry") }
        let seconds = UInt64(max(0, now.timeIntervalSince1970))
        let proof = try proofs.verify(claim.proof, leaf: claim.entry, now: seconds)
        let entry = try EntryMatch.check(leaf: claim.entry, index: proof.index, claim: claim, subject: subject)
        do {
            try await monitor.cover(proof.checkpoint)
        } catch {
            throw ReleaseRefusal(.monitor, error.description)
        }
        guard await !monitor.hasEnded(entry.consent) else {
            throw ReleaseRefusal(.monitor, "the log shows the consent ended (revoked, withdrawn, expired, exhausted or forgotten)")
        }
        try await ledger.claim(proof.index)
        return entry
    }
}
