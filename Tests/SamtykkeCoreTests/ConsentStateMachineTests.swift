import Foundation
import TestSupport
import Testing
@testable import SamtykkeCore

@Suite(.sameOnEveryBackend) struct ConsentStateMachineTests {
    static let legal: [ConsentStatus: [ConsentEvent: ConsentStatus]] = [
        .pending: [.grant: .active, .deny: .denied, .expire: .expired, .withdraw: .withdrawn],
        .active: [.revoke: .revoked, .expire: .expired, .exhaust: .exhausted, .withdraw: .withdrawn],
    ]

    @Test(arguments: ConsentStatus.allCases)
    func transitionTableIsExactlySpecSection1(_ status: ConsentStatus) {
        for event in ConsentEvent.allCases {
            #expect(status.next(on: event) == Self.legal[status]?[event], "\(status) on \(event)")
        }
        #expect(status.isTerminal == (Self.legal[status] == nil))
    }

    static let now = Date(timeIntervalSince1970: 1_790_000_000)
    static let person = try! PersonID(PersonIDTests.make(day: 24, month: 85, year: 90, individual: 456))
    static let other = try! PersonID(PersonIDTests.make(day: 3, month: 82, year: 70, individual: 111))
    static let bank = try! OrgNumber("986352325")

    static func consent(maxUses: Int = 2, validFor: TimeInterval = 86_400) throws -> Consent {
        try TestConsent.pending(person: person, bank: bank, validFor: validFor, maxUses: maxUses, now: now)
    }

    /// The refusal of an event the state machine has no arrow for.
    static func cannot(_ event: ConsentEvent, _ status: ConsentStatus) -> DomainError {
        DomainError(.illegalTransition, field: "status", reason: "cannot \(event.rawValue) a consent that is \(status.rawValue)")
    }

    /// The refusal of a bundle for a consent that is not active.
    static func notActive(_ status: ConsentStatus) -> DomainError {
        DomainError(.illegalTransition, field: "status", reason: "consent is \(status.rawValue), not active")
    }

    /// The refusal of anything asked of a consent at or after the moment it expires.
    static func expired(at time: Date) -> DomainError {
        DomainError(.illegalTransition, field: "status", reason: "consent expired at \(RFC3339.string(from: time))")
    }

    @Test func grantUseUntilExhausted() throws {
        var c = try Self.consent(maxUses: 2)
        #expect(try c.grant(by: Self.person, at: Self.now) == ConsentTransition(from: .pending, to: .active, event: .grant))
        #expect(c.grantedAt == Self.now)
        #expect(try c.recordUse(at: Self.now) == nil)
        #expect(try c.recordUse(at: Self.now) == ConsentTransition(from: .active, to: .exhausted, event: .exhaust))
        #expect(c.uses == 2 && c.status == .exhausted)
        #expect(throws: Self.notActive(.exhausted)) { try c.recordUse(at: Self.now) }
        #expect(c.uses == 2)
    }

    @Test func onlyTheNamedCitizenMayAnswer() throws {
        var c = try Self.consent()
        #expect(throws: DomainError(.notPermitted, field: "personId", reason: "only the person the consent names may answer it")) {
            try c.grant(by: Self.other, at: Self.now)
        }
        #expect(c.status == .pending)
    }

    @Test func terminalStatesRefuseEverything() throws {
        var denied = try Self.consent()
        _ = try denied.deny(by: Self.person, at: Self.now)
        var revoked = try Self.consent()
        _ = try revoked.grant(by: Self.person, at: Self.now)
        _ = try revoked.revoke(by: Self.person, at: Self.now)
        for var c in [denied, revoked] {
            let before = c
            #expect(throws: Self.cannot(.grant, c.status)) { try c.grant(by: Self.person, at: Self.now) }
            #expect(throws: Self.cannot(.deny, c.status)) { try c.deny(by: Self.person, at: Self.now) }
            #expect(throws: Self.cannot(.revoke, c.status)) { try c.revoke(by: Self.person, at: Self.now) }
            #expect(throws: Self.notActive(c.status)) { try c.recordUse(at: Self.now) }
            #expect(c.settle(at: Self.now.addingTimeInterval(1e7)) == nil)
            #expect(c == before)
        }
    }

    @Test func pendingCannotBeRevokedOrUsed() throws {
        var c = try Self.consent()
        #expect(throws: Self.cannot(.revoke, .pending)) { try c.revoke(by: Self.person, at: Self.now) }
        #expect(throws: Self.notActive(.pending)) { try c.recordUse(at: Self.now) }
        #expect(c.status == .pending && c.uses == 0)
    }

    @Test func activeCannotBeGrantedOrDeniedAgain() throws {
        var c = try Self.consent()
        _ = try c.grant(by: Self.person, at: Self.now)
        #expect(throws: Self.cannot(.grant, .active)) { try c.grant(by: Self.person, at: Self.now) }
        #expect(throws: Self.cannot(.deny, .active)) { try c.deny(by: Self.person, at: Self.now) }
        #expect(c.status == .active)
    }

    @Test func expiryOfRequestsAndConsents() throws {
        var pending = try Self.consent(validFor: 5 * 86_400)
        let late = pending.requestExpiresAt
        #expect(pending.settle(at: late.addingTimeInterval(-1)) == nil)
        #expect(throws: Self.expired(at: late)) { try pending.grant(by: Self.person, at: late) }
        #expect(pending.settle(at: late) == ConsentTransition(from: .pending, to: .expired, event: .expire))

        var active = try Self.consent()
        _ = try active.grant(by: Self.person, at: Self.now)
        let end = active.terms.validUntil
        #expect(throws: Self.expired(at: end)) { try active.recordUse(at: end) }
        #expect(active.uses == 0)
        #expect(active.settle(at: end) == ConsentTransition(from: .active, to: .expired, event: .expire))
        #expect(active.status == .expired)
    }

    @Test func restoringRefusesImpossibleRows() throws {
        let c = try Self.consent(maxUses: 2)
        func restore(_ status: ConsentStatus, uses: Int, granted: Date?) throws -> Consent {
            try Consent(restoring: c.id, bankOrg: c.bankOrg, terms: c.terms, createdAt: c.createdAt, requestExpiresAt: c.requestExpiresAt,
                        status: status, uses: uses, grantedAt: granted, statusChangedAt: c.createdAt)
        }
        _ = try restore(.active, uses: 1, granted: Self.now)
        _ = try restore(.exhausted, uses: 2, granted: Self.now)
        _ = try restore(.expired, uses: 0, granted: nil)
        func impossible(_ status: ConsentStatus, uses: Int) -> DomainError {
            DomainError(.invalid, field: "consent", reason: "stored consent \(c.id) is in an impossible state (\(status.rawValue), \(uses) uses)")
        }
        #expect(throws: impossible(.pending, uses: 1)) { try restore(.pending, uses: 1, granted: nil) }
        #expect(throws: impossible(.active, uses: 0)) { try restore(.active, uses: 0, granted: nil) }
        #expect(throws: impossible(.active, uses: 2)) { try restore(.active, uses: 2, granted: Self.now) }
        #expect(throws: impossible(.exhausted, uses: 1)) { try restore(.exhausted, uses: 1, granted: Self.now) }
        #expect(throws: impossible(.denied, uses: 0)) { try restore(.denied, uses: 0, granted: Self.now) }
        #expect(throws: impossible(.active, uses: 3)) { try restore(.active, uses: 3, granted: Self.now) }
    }

    @Test func termsNameTheFieldAtFault() throws {
        let purpose = try Purpose(code: "loan-application", text: "x")
        func terms(scopes: [Scope] = [.income], years: [Int] = [2024], validFor: TimeInterval = 3600, maxUses: Int = 1) throws -> ConsentTerms {
            try ConsentTerms(personId: Self.person, scopes: scopes, years: years, purpose: purpose,
                             validUntil: Self.now.addingTimeInterval(validFor), maxUses: maxUses, now: Self.now, policy: ConsentPolicy())
        }
        let currentYear = Calendar.utc.component(.year, from: Self.now)
        #expect(throws: DomainError.invalid("scopes", "must name at least one of income, debt, wealth")) { try terms(scopes: []) }
        #expect(throws: DomainError.invalid("scopes", "must not repeat a scope")) { try terms(scopes: [.debt, .debt]) }
        #expect(throws: DomainError.invalid("years", "must hold 1 to 5 income years")) { try terms(years: [2019, 2020, 2021, 2022, 2023, 2024]) }
        #expect(throws: DomainError.invalid("years", "must not repeat a year")) { try terms(years: [2023, 2023]) }
        #expect(throws: DomainError.invalid("years[1]", "\(currentYear + 1) is not an income year between \(ConsentTerms.firstIncomeYear) and \(currentYear)")) {
            try terms(years: [2023, currentYear + 1])
        }
        #expect(throws: DomainError.invalid("validUntil", "must be in the future")) { try terms(validFor: -1) }
        #expect(throws: DomainError.invalid("validUntil", "may be at most 10 days ahead")) { try terms(validFor: 11 * 86_400) }
        #expect(throws: DomainError.invalid("maxUses", "must be between 1 and 100")) { try terms(maxUses: 0) }
        #expect(throws: DomainError.invalid("maxUses", "must be between 1 and 100")) { try terms(maxUses: 101) }
        #expect(throws: DomainError.invalid("purpose.code", "must be 1–64 characters of a–z, 0–9 and '-'")) {
            try Purpose(code: "Loan Application", text: "x")
        }
        #expect(throws: DomainError.invalid("purpose.text", "must not be blank")) { try Purpose(code: "loan", text: "   ") }
    }
}
