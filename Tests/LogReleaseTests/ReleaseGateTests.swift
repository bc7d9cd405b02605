import Foundation
import LogRelease
import SamtykkeCore
import Testing
import TransparencyLog
import TestSupport

/// SPEC §5's four checks on a real log: v2 entries sealed as the broker seals them, checkpoints
/// signed with its key, cosigned by real witnesses, followed through the log's tiles.
@Suite(.sameOnEveryBackend) struct ReleaseGateTests {
    /// A requested and granted consent with one logged fetch: the log, the consent, the gate, the
    /// fetch's claim.
    static func fetched(
        _ directory: String, witnessCount: Int = 2, witnessClock: (@Sendable () -> UInt64)? = nil, cosigners: Int? = nil,
        validUntil: Date = Date().addingTimeInterval(86_400), entryClock: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> (BrokerLog, BrokerLog.Consent, ReleaseGate, ReleaseClaim) {
        let log = try witnessClock.map { try BrokerLog(directory: directory, witnessCount: witnessCount, witnessClock: $0, entryClock: entryClock) }
            ?? BrokerLog(directory: directory, witnessCount: witnessCount, entryClock: entryClock)
        let consent = BrokerLog.Consent()
        try await log.append(.requested(validUntil: validUntil), for: consent)
        try await log.append(.granted, for: consent, actor: AuditEntry.Actor(kind: .citizen, id: "c"))
        let (index, opening) = try await log.append(.fetch, for: consent)
        let claim = try await log.claim(index: index, opening: opening, cosigners: cosigners)
        return (log, consent, try await log.gate(directory: directory), claim)
    }

    static func refusal(_ body: () async throws(ReleaseRefusal) -> PublicEntry) async -> ReleaseRefusal? {
        do {
            _ = try await body()
            return nil
        } catch {
            return error
        }
    }

    @Test func releasesAFetchProvenOnTheWitnessedLog() async throws {
        try await withTemporaryPath { directory in
            let (_, consent, gate, claim) = try await Self.fetched(directory)
            let entry = try await gate.release(claim, for: consent.subject)
            #expect(entry.type == .dataRequested && entry.index == 2 && entry.consent == consent.tag)
        }
    }

    @Test func refusesATokenWithoutAProof() async throws {
        try await withTemporaryPath { directory in
            let (_, consent, gate, _) = try await Self.fetched(directory)
            let refusal = await Self.refusal { () async throws(ReleaseRefusal) in try await gate.release(nil, for: consent.subject) }
            #expect(refusal?.check == .proof)
        }
    }

    /// What a compromised broker could do without the log: sign a token for a consent it never
    /// logged a fetch for. Its claim has to prove some entry, and the only ones on the log are others'.
    @Test(arguments: ["consent", "person", "bank", "tag", "scopes"])
    func refusesAProofOfAnotherFetch(_ other: String) async throws {
        try await withTemporaryPath { directory in
            let (_, consent, gate, claim) = try await Self.fetched(directory)
            let s = consent.subject
            let subject = switch other {
            case "consent": ReleaseSubject(consentId: ConsentID(), personId: s.personId, bankOrg: s.bankOrg, consentTag: s.consentTag, scopes: s.scopes, years: s.years)
            case "person": ReleaseSubject(consentId: s.consentId, personId: BrokerLog.otherPerson, bankOrg: s.bankOrg, consentTag: s.consentTag, scopes: s.scopes, years: s.years)
            case "bank": ReleaseSubject(consentId: s.consentId, personId: s.personId, bankOrg: BrokerLog.otherBank, consentTag: s.consentTag, scopes: s.scopes, years: s.years)
            case "tag": ReleaseSubject(consentId: s.consentId, personId: s.personId, bankOrg: s.bankOrg, consentTag: .random(), scopes: s.scopes, years: s.years)
            default: ReleaseSubject(consentId: s.consentId, personId: s.personId, bankOrg: s.bankOrg, consentTag: s.consentTag, scopes: [.income, .debt], years: s.years)
            }
            let refusal = await Self.refusal { () async throws(ReleaseRefusal) in try await gate.release(claim, for: subject) }
            #expect(refusal?.check == .entry, "\(String(describing: refusal))")
            #expect(refusal?.reason.contains(other == "scopes" ? "scopes or years" : other == "tag" ? "consent tag" : "another \(other)") == true)
        }
    }

    /// An entry of another type proven on the log (here the consent's grant) is not a fetch.
    @Test func refusesAnEntryThatIsNotDataRequested() async throws {
        try await withTemporaryPath { directory in
            let log = try BrokerLog(directory: directory)
            let consent = BrokerLog.Consent()
            let (index, opening) = try await log.append(.granted, for: consent)
            let claim = try await log.claim(index: index, opening: opening)
            let gate = try await log.gate(directory: directory)
            let refusal = await Self.refusal { () async throws(ReleaseRefusal) in try await gate.release(claim, for: consent.subject) }
            #expect(refusal?.check == .entry && refusal?.reason.contains("not data.requested") == true, "\(String(describing: refusal))")
        }
    }

    @Test func refusesAnOpeningOfAnotherEntry() async throws {
        try await withTemporaryPath { directory in
            let (log, consent, gate, claim) = try await Self.fetched(directory)
            let (_, second) = try await log.append(.fetch, for: consent)
            let swapped = ReleaseClaim(proof: claim.proof, entry: claim.entry, opening: second.json)
            let refusal = await Self.refusal { () async throws(ReleaseRefusal) in try await gate.release(swapped, for: consent.subject) }
            #expect(refusal?.check == .entry && refusal?.reason.contains("opening") == true, "\(String(describing: refusal))")
        }
    }

    @Test func refusesACheckpointWithoutTheQuorum() async throws {
        try await withTemporaryPath { directory in
            let (_, consent, gate, claim) = try await Self.fetched(directory, cosigners: 1)
            let refusal = await Self.refusal { () async throws(ReleaseRefusal) in try await gate.release(claim, for: consent.subject) }
            #expect(refusal?.check == .proof && refusal?.reason.contains("quorum: only w0 cosigned") == true, "\(String(describing: refusal))")
        }
    }

    /// The gate remembers notes it verified, by their bytes: a note changed in one byte of a
    /// witness's signature, after the original passed, is checked again and refused.
    @Test func refusesAForgedCosignatureOnACheckpointItVerifiedBefore() async throws {
        try await withTemporaryPath { directory in
            let (log, consent, gate, claim) = try await Self.fetched(directory)
            _ = try await gate.release(claim, for: consent.subject)
            let (index, opening) = try await log.append(.fetch, for: consent)
            let next = try await log.claim(index: index, opening: opening)
            _ = try await gate.release(next, for: consent.subject)
            var lines = next.proof.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let last = try #require(lines.lastIndex { $0.hasPrefix("\u{2014} ") })
            var line = Array(lines[last])
            let place = line.count - 10
            line[place] = line[place] == "A" ? "B" : "A"
            lines[last] = String(line)
            let forged = ReleaseClaim(proof: lines.joined(separator: "\n"), entry: next.entry, opening: next.opening)
            let refusal = await Self.refusal { () async throws(ReleaseRefusal) in try await gate.release(forged, for: consent.subject) }
            #expect(refusal?.check == .proof && refusal?.reason.contains("checkpoint") == true, "\(String(describing: refusal))")
        }
    }

    @Test func refusesACosignatureOlderThanSixtySeconds() async throws {
        try await withTemporaryPath { directory in
            let stale = UInt64(Date().timeIntervalSince1970) - 61
            let (_, consent, gate, claim) = try await Self.fetched(directory, witnessClock: { stale })
            let refusal = await Self.refusal { () async throws(ReleaseRefusal) in try await gate.release(claim, for: consent.subject) }
            #expect(refusal?.check == .proof && refusal?.reason.contains("s old, more than 60 s") == true, "\(String(describing: refusal))")
        }
    }

    /// A cosignature dated ahead of the agency's clock would stay fresh for longer than 60 s: only a
    /// few seconds of skew between the clocks are allowed.
    @Test func refusesACosignatureDatedInTheFuture() async throws {
        try await withTemporaryPath { directory in
            let ahead = UInt64(Date().timeIntervalSince1970) + 30
            let (_, consent, gate, claim) = try await Self.fetched(directory, witnessClock: { ahead })
            let refusal = await Self.refusal { () async throws(ReleaseRefusal) in try await gate.release(claim, for: consent.subject) }
            #expect(refusal?.check == .proof && refusal?.reason.contains("in the future") == true, "\(String(describing: refusal))")
        }
    }

    /// A compromised broker, after the citizen revoked, logs its fetch under a fresh consent tag
    /// (no `consent.requested` or grant before it) and signs a token naming that tag: every entry
    /// check passes, and the monitor refuses it, as a tag the log never showed granted.
    @Test func refusesAFetchLoggedUnderAFreshTagAfterTheConsentEnded() async throws {
        try await withTemporaryPath { directory in
            let (log, consent, gate, _) = try await Self.fetched(directory)
            try await log.append(.revoked, for: consent, actor: AuditEntry.Actor(kind: .citizen, id: "c"))
            var renamed = consent
            renamed.tag = .random()
            let (index, opening) = try await log.append(.fetch, for: renamed)
            let claim = try await log.claim(index: index, opening: opening)
            let refusal = await Self.refusal { () async throws(ReleaseRefusal) in try await gate.release(claim, for: renamed.subject) }
            #expect(refusal?.check == .monitor && refusal?.reason.contains("not consent.requested") == true, "\(String(describing: refusal))")
        }
    }

    /// The broker never logged `consent.expired`: the monitor goes by the `validUntil` the log's
    /// `consent.requested` entry shows, and the agency's own clock.
    @Test func refusesAFetchPastTheConsentsValidUntilThoughNoExpiryWasLogged() async throws {
        try await withTemporaryPath { directory in
            let (_, consent, gate, claim) = try await Self.fetched(directory, validUntil: Date().addingTimeInterval(5))
            let later = Date().addingTimeInterval(20)
            let refusal = await Self.refusal { () async throws(ReleaseRefusal) in try await gate.release(claim, for: consent.subject, now: later) }
            #expect(refusal?.check == .monitor && refusal?.reason.contains("validUntil") == true, "\(String(describing: refusal))")
        }
    }

    /// A fetch is logged right before the agency is asked: an entry kept back for minutes (fetches
    /// logged in advance, to be spent after the consent ended or after the ledger was lost) is refused.
    @Test func refusesAFetchLoggedLongBeforeItIsPresented() async throws {
        try await withTemporaryPath { directory in
            let later = Date().addingTimeInterval(ReleaseGate.maximumEntryAge + 30)
            let (_, consent, gate, claim) = try await Self.fetched(directory, witnessClock: { UInt64(later.timeIntervalSince1970) - 5 })
            let refusal = await Self.refusal { () async throws(ReleaseRefusal) in try await gate.release(claim, for: consent.subject, now: later) }
            #expect(refusal?.check == .entry && refusal?.reason.contains("logged") == true, "\(String(describing: refusal))")
        }
    }

    @Test func refusesAProofFromAnotherLog() async throws {
        try await withTemporaryPath { directory in
            let (_, consent, _, claim) = try await Self.fetched(directory + "/one")
            try FileManager.default.createDirectory(atPath: directory + "/two", withIntermediateDirectories: true)
            let other = try BrokerLog(directory: directory + "/two", origin: "other.test/log")
            let gate = try await other.gate(directory: directory + "/two")
            let refusal = await Self.refusal { () async throws(ReleaseRefusal) in try await gate.release(claim, for: consent.subject) }
            #expect(refusal?.check == .proof && refusal?.reason.contains("not other.test/log") == true, "\(String(describing: refusal))")
        }
    }

    @Test func refusesATruncatedOrOversizedProof() async throws {
        try await withTemporaryPath { directory in
            let (_, consent, gate, claim) = try await Self.fetched(directory)
            let cut = String(claim.proof.prefix(while: { $0 != "\n" })) + "\nindex 2\n"
            let padding = String(repeating: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", count: 400)
            let huge = claim.proof.replacingOccurrences(of: "index 2\n", with: "index 2\n" + padding)
            for (proof, expected) in [(cut, "truncated"), (huge, "more than the 16384")] {
                let bad = ReleaseClaim(proof: proof, entry: claim.entry, opening: claim.opening)
                let refusal = await Self.refusal { () async throws(ReleaseRefusal) in try await gate.release(bad, for: consent.subject) }
                #expect(refusal?.check == .proof && refusal?.reason.contains(expected) == true, "\(String(describing: refusal))")
            }
        }
    }

    /// A valid token replayed, with its valid proof, after the citizen revoked: the monitor follows
    /// the log past the proof's tree and has seen the revocation.
    @Test func refusesAReplayAfterTheConsentEnded() async throws {
        try await withTemporaryPath { directory in
            let (log, consent, gate, claim) = try await Self.fetched(directory)
            try await log.append(.revoked, for: consent, actor: AuditEntry.Actor(kind: .citizen, id: "c"))
            // Another consent's entries after it, so the monitor's tree is larger than the proof's.
            try await log.append(.fetch, for: BrokerLog.Consent())
            let refusal = await Self.refusal { () async throws(ReleaseRefusal) in try await gate.release(claim, for: consent.subject) }
            #expect(refusal?.check == .monitor && refusal?.reason.contains("ended (revoked)") == true, "\(String(describing: refusal))")
            #expect(await gate.monitor.size == 5)
        }
    }

    /// On a clock of its own, shared by the witnesses, the entries and the gate: a loaded machine
    /// that takes long over the test must not turn the fourth check into the first or the second.
    @Test func releasesOncePerEntryAlsoAfterARestart() async throws {
        try await withTemporaryPath { directory in
            let seconds = UInt64(Date().timeIntervalSince1970)
            let now = Date(timeIntervalSince1970: TimeInterval(seconds))
            let (log, consent, gate, claim) = try await Self.fetched(directory, witnessClock: { seconds }, entryClock: { now })
            _ = try await gate.release(claim, for: consent.subject, now: now)
            let again = await Self.refusal { () async throws(ReleaseRefusal) in try await gate.release(claim, for: consent.subject, now: now) }
            #expect(again?.check == .release, "\(String(describing: again))")
            let restarted = try await log.gate(directory: directory)
            let afterRestart = await Self.refusal { () async throws(ReleaseRefusal) in try await restarted.release(claim, for: consent.subject, now: now) }
            #expect(afterRestart?.check == .release, "\(String(describing: afterRestart))")
            // A retry logs a new entry, which is released.
            let (index, opening) = try await log.append(.fetch, for: consent)
            _ = try await restarted.release(try await log.claim(index: index, opening: opening), for: consent.subject, now: now)
        }
    }
}
