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

    /// How long after its `data.requested` entry's time a fetch may still be released. The broker
    /// logs the entry right before it asks (after one round of cosignatures), so an older entry is a
    /// fetch kept back: logged while the consent was live, to be spent later, or again should the
    /// ledger of releases (check 4) ever be lost. Part of check 2, on the agency's clock.
    public static let maximumEntryAge: TimeInterval = 120

    /// Returns the entry data may be released for, recorded as released; throws which check failed.
    /// `claim` is the token's `tlog` claim, nil when it has none.
    public func release(_ claim: ReleaseClaim?, for subject: ReleaseSubject, now: Date = Date()) async throws(ReleaseRefusal) -> PublicEntry {
        guard let claim else { throw ReleaseRefusal(.proof, "the token carries no tlog proof of a data.requested entry") }
        let seconds = UInt64(max(0, now.timeIntervalSince1970))
        let proof = try proofs.verify(claim.proof, leaf: claim.entry, now: seconds)
        let entry = try EntryMatch.check(leaf: claim.entry, index: proof.index, claim: claim, subject: subject)
        let age = now.timeIntervalSince(entry.time)
        guard age <= Self.maximumEntryAge, -age <= TimeInterval(ProofCheck.maximumSkew) else {
            throw ReleaseRefusal(.entry, age > 0
                ? "it was logged \(Int(age)) s ago, more than \(Int(Self.maximumEntryAge)) s: a fetch is logged right before it is made"
                : "it was logged \(Int(-age)) s ahead of this agency's clock")
        }
        do {
            try await monitor.cover(proof.checkpoint)
        } catch {
            throw ReleaseRefusal(.monitor, error.description)
        }
        if let refusal = await monitor.refusal(for: entry.consent, now: now) { throw ReleaseRefusal(.monitor, refusal) }
        try await ledger.claim(proof.index)
        return entry
    }
}
