import CanonicalJSON
import Foundation
import LogVerification
import SamtykkeCore
import Testing
import TransparencyLog
import TestSupport

/// The three ways to verify the log (SPEC §4), each trusting less: anyone's from the public log,
/// an auditor's with every opening, a citizen's with their own key and openings. Each passes on an
/// honest log and fails on its own tampering.
@Suite(.sameOnEveryBackend) struct ThreeVerificationsTests {
    static func audit(_ log: SealedLog, openings: Bool, withheld: Set<UInt64> = []) async throws -> LogVerificationResult {
        var source = log
        source.log.withheldBundles = withheld
        return try await LogAuditor(source: source, pageSize: 64, openings: openings ? source : nil, readsPages: openings)
            .verify(logKey: log.log.logKey, trusted: nil)
    }

    static func citizen(
        _ log: SealedLog, _ person: PersonID, state: CitizenLogState? = nil, key: String? = nil, withheld: Set<UInt64> = [0]
    ) async throws -> CitizenLogVerifier<SealedLog>.Result {
        var source = log
        source.log.withheldBundles = withheld
        var openings = source.citizen(person)
        if let key { openings.servedKey = key }
        let verifier = CitizenLogVerifier(source: source, openings: openings)
        let subjectKey = try await verifier.subjectKey()
        return try await verifier.verify(server: "memory", logKey: log.log.logKey, subjectKey: subjectKey, state: state, witnessKeys: [])
    }

    static func failure(_ result: LogVerificationResult) throws -> LogVerificationFailure {
        guard case .failed(let failure) = result else { throw Unexpected("verified: \(result)") }
        return failure
    }

    static func failure(_ result: CitizenLogVerifier<SealedLog>.Result) throws -> LogVerificationFailure {
        guard case .failed(let failure) = result else { throw Unexpected("verified: \(result)") }
        return failure
    }

    static func verified(_ result: CitizenLogVerifier<SealedLog>.Result) throws -> CitizenLogVerifier<SealedLog>.Verified {
        guard case .verified(let verified) = result else { throw Unexpected("\(result)") }
        return verified
    }

    struct Unexpected: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    // MARK: Anyone

    @Test func anyoneVerifiesTheV2EntriesAndCountsTheWithheldV1Ones() async throws {
        let log = try SealedLog()
        let result = try await Self.audit(log, openings: false, withheld: [0])
        guard case .verified(let verified) = result else { Issue.record("\(result)"); return }
        #expect(verified.withheldEntries == 256 && verified.opened == nil)
        #expect(verified.consentTags == 3 && verified.forgottenConsentTags == 1)
    }

    @Test func anyoneFailsOnAChangedLeafWithoutTheKey() async throws {
        var log = try SealedLog()
        var leaf = log.log.served[258].leaf
        leaf[15] = leaf[15] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        log.log.served[258] = ServedEntry(index: 258, leaf: leaf)
        let failure = try Self.failure(try await Self.audit(log, openings: false, withheld: [0]))
        guard case .rootMismatch = failure.reason else { Issue.record("\(failure)"); return }
    }

    @Test func anyoneFailsOnABundleAfterRevoke() async throws {
        var log = try SealedLog()
        let consent = try log.consent(for: SealedLog.bob)
        try log.append(consent, .requested, .granted, .revoked, .dataRequested)
        let failure = try Self.failure(try await Self.audit(log, openings: false, withheld: [0]))
        #expect(failure.firstBadIndex == log.log.size - 1 && failure.description.contains("revoked, not active"), "\(failure)")
    }

    // MARK: Auditors

    @Test func anAuditorOpensEveryEntryAndCountsTheForgottenOnes() async throws {
        let log = try SealedLog()
        let result = try await Self.audit(log, openings: true)
        guard case .verified(let verified) = result, let opened = verified.opened else { Issue.record("\(result)"); return }
        // 6 v2 entries of live consents and the consent.forgotten one open; the forgotten consent's two do not.
        #expect(opened.opened == 7 && opened.v1Entries == 256 && opened.withoutOpening == 2, "\(opened)")
        #expect(verified.withheldEntries == 0)
    }

    @Test func anAuditorFailsOnADeletedOpening() async throws {
        var log = try SealedLog()
        log.log.openings[258] = nil
        let failure = try Self.failure(try await Self.audit(log, openings: true))
        #expect(failure.reason == .unopened(index: 258), "\(failure)")
    }

    @Test func anAuditorFailsOnASubjectTagMadeWithAnotherKey() async throws {
        var log = try SealedLog()
        let consent = try log.consent(for: SealedLog.bob)
        try log.append(consent, .requested)
        try log.append(consent, .granted, key: .random())
        let failure = try Self.failure(try await Self.audit(log, openings: true))
        #expect(failure.firstBadIndex == log.log.size - 1 && failure.description.contains("subject tag"), "\(failure)")
    }

    @Test func anAuditorFailsOnAConsentThatChangesPerson() async throws {
        var log = try SealedLog()
        let consent = try log.consent(for: SealedLog.bob)
        try log.append(consent, .requested)
        // The same consent id and tag, its grant naming alice, sealed with her key.
        let other = SealedLog.Consent(id: consent.id, tag: consent.tag, person: SealedLog.alice)
        try log.append(other, .granted)
        let failure = try Self.failure(try await Self.audit(log, openings: true))
        #expect(failure.firstBadIndex == log.log.size - 1 && failure.description.contains("another person or bank"), "\(failure)")
    }

    @Test(arguments: [
        JSONValue.string("nonsense"),
        JSONValue.object(["index": .number(258), "salt": .string("AAAA"), "private": .object([:])]),
        JSONValue.object(["index": .number(258), "salt": .string(String(repeating: "A", count: 43)), "private": .array([])]),
    ])
    func aMalformedOpeningIsAFailureNamingItsEntry(_ opening: JSONValue) async throws {
        var log = try SealedLog()
        log.log.openings[258] = ServedOpening(index: 258, opening: opening, subjectKey: log.log.openings[258]!.subjectKey)
        let failure = try Self.failure(try await Self.audit(log, openings: true))
        guard case .badOpening(let index, _) = failure.reason else { Issue.record("\(failure)"); return }
        #expect(index == 258)
    }

    @Test func aMalformedSubjectKeyFromTheAuditRouteNamesTheEntry() async throws {
        var log = try SealedLog()
        log.log.openings[258] = ServedOpening(index: 258, opening: log.log.openings[258]!.opening, subjectKey: "not a key")
        let failure = try Self.failure(try await Self.audit(log, openings: true))
        #expect(failure.reason == .badOpening(index: 258, reason: "subjectKey is not 32 bytes of base64url without padding") || failure.firstBadIndex == 258, "\(failure)")
    }

    // MARK: Citizens

    @Test func aCitizenFindsExactlyTheirEntriesAndTheForgottenOnes() async throws {
        let log = try SealedLog()
        let verified = try Self.verified(try await Self.citizen(log, SealedLog.alice))
        let mine = log.indexes(about: SealedLog.alice) + [log.log.size - 1]
        #expect(verified.history.map(\.index) == mine.sorted())
        #expect(verified.history.filter { $0.forgottenAt == log.log.size - 1 }.count == 3)
        #expect(verified.history.first?.consentId != nil && verified.withheld == 256 && verified.trusted == nil)
        let bobs = try Self.verified(try await Self.citizen(log, SealedLog.bob))
        #expect(bobs.history.map(\.index) == log.indexes(about: SealedLog.bob))
    }

    @Test func aSecondRunReadsOnlyWhatIsNewAndKeepsTheHistory() async throws {
        var log = try SealedLog(v1: 1000)
        let first = try Self.verified(try await Self.citizen(log, SealedLog.alice, withheld: [0, 1, 2, 3]))
        let consent = try log.consent(for: SealedLog.alice)
        try log.log.append(300)
        try log.append(consent, .requested, .granted)
        let bundlesBefore = log.log.reads.bundles
        let second = try Self.verified(try await Self.citizen(log, SealedLog.alice, state: first.state, withheld: [0, 1, 2, 3, 4]))
        #expect(second.trusted?.size == first.checkpoint.size && second.scanned == 302)
        #expect(second.history.count == first.history.count + 2 && second.found == 2)
        // Bundles 3 (its tail, withheld) and 4 (withheld) and 5 are all it read.
        #expect(log.log.reads.bundles - bundlesBefore <= 3)
    }

    /// Once all of a citizen's consents are forgotten the broker deletes their subject key (404): the
    /// key kept in their state still finds the `consent.forgotten` entry, and marks the history.
    @Test func aCitizenTheBrokerForgotSeesTheirHistoryForgottenWithTheKeptKey() async throws {
        var log = try SealedLog()
        let carol = try PersonID(TestParties.otherPerson)
        let consent = try log.consent(for: carol)
        try log.append(consent, .requested, .denied)
        let first = try Self.verified(try await Self.citizen(log, carol))
        #expect(first.history.count == 2 && first.history.allSatisfy { $0.forgottenAt == nil })
        #expect(first.state?.subjectKey == log.keys[carol]?.description)

        try log.append(consent, .forgotten)
        log.forget(consent)
        log.keys[carol] = nil
        let second = try Self.verified(try await Self.citizen(log, carol, state: first.state))
        let forgotten = log.log.size - 1
        #expect(second.found == 1 && second.history.map(\.index) == first.history.map(\.index) + [forgotten])
        #expect(second.history.allSatisfy { $0.forgottenAt == forgotten }, "\(second.history)")
        #expect(second.state?.subjectKey == first.state?.subjectKey)
        // Without a kept key nothing about them is found, and nothing is kept.
        let stateless = try Self.verified(try await Self.citizen(log, carol))
        #expect(stateless.history.isEmpty && stateless.state == nil)

        // A later consent starts a new key: the old state is not theirs under it, nor anyone's else.
        try log.append(try log.consent(for: carol), .requested)
        await #expect(throws: AuditStateError.anotherSubjectKey) { _ = try await Self.citizen(log, carol, state: second.state) }
        let bobs = try Self.verified(try await Self.citizen(log, SealedLog.bob)).state
        await #expect(throws: AuditStateError.anotherSubjectKey) { _ = try await Self.citizen(log, carol, state: bobs) }
    }

    @Test func aCitizenFailsOnADeletedOpening() async throws {
        var log = try SealedLog()
        let index = log.indexes(about: SealedLog.alice)[1]
        log.log.openings[index] = nil
        let failure = try Self.failure(try await Self.citizen(log, SealedLog.alice))
        #expect(failure.reason == .notOpenedForYou(index: index), "\(failure)")
    }

    @Test func aCitizenFailsOnAnEntryOfTheirConsentTaggedWithAnotherKey() async throws {
        var log = try SealedLog()
        let consent = try log.consent(for: SealedLog.alice)
        try log.append(consent, .requested)
        try log.append(consent, .granted, key: .random())
        let failure = try Self.failure(try await Self.citizen(log, SealedLog.alice))
        guard case .wrongSubject(let index, _) = failure.reason else { Issue.record("\(failure)"); return }
        #expect(index == log.log.size - 1)
    }

    @Test func aCitizenFailsOnAnOpeningThatDoesNotOpen() async throws {
        var log = try SealedLog()
        let mine = log.indexes(about: SealedLog.alice)
        guard case .object(var opening) = log.log.openings[mine[1]]!.opening else { return }
        opening["salt"] = .string(EntrySalt.random().description)
        log.citizenOpenings[mine[1]] = .object(opening)
        let failure = try Self.failure(try await Self.citizen(log, SealedLog.alice))
        guard case .badOpening(let index, _) = failure.reason else { Issue.record("\(failure)"); return }
        #expect(index == mine[1])
    }

    @Test func aMalformedSubjectKeyIsOneClearError() async throws {
        let log = try SealedLog()
        await #expect(throws: CitizenLogError.malformedSubjectKey) { _ = try await Self.citizen(log, SealedLog.alice, key: "A==") }
    }

    @Test func aCitizenFailsOnARollbackAndOnAFork() async throws {
        var log = try SealedLog()
        let before = log
        let consent = try log.consent(for: SealedLog.alice)
        try log.append(consent, .requested)
        let grown = try Self.verified(try await Self.citizen(log, SealedLog.alice))
        let rolledBack = try Self.failure(try await Self.citizen(before, SealedLog.alice, state: grown.state))
        guard case .rollback = rolledBack.reason else { Issue.record("\(rolledBack)"); return }

        // Another log of the same signer and size that differs in one entry after the state's.
        let small = try Self.verified(try await Self.citizen(before, SealedLog.alice))
        var fork = before
        try fork.log.append(1)
        fork.log.changeByte(of: Int(fork.log.size - 1))
        let forked = try Self.failure(try await Self.citizen(fork, SealedLog.alice, state: small.state))
        guard case .inconsistentWithTrusted = forked.reason else { Issue.record("\(forked)"); return }
    }
}
