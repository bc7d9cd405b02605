import BrokerClient
@testable import CitizenClient
import Foundation
import SamtykkeAPI
import SamtykkeCore
import Testing
import TestSupport

/// Failures as sentences a citizen understands, in their language and time zone; the broker's words
/// only with --verbose.
@Suite(.sameOnEveryBackend) struct CitizenErrorTests {
    static let oslo = TimeZone(identifier: "Europe/Oslo")!
    static let now = RFC3339.date(from: "2026-12-06T10:00:00Z")!

    static func problem(_ json: String) throws -> BrokerClient.Problem {
        try JSONDecoder().decode(BrokerClient.Problem.self, from: Data(json.utf8))
    }

    static func token(exp: Date) -> String {
        let payload = Base64URL.encode(Array(#"{"pid":"14830351257","exp":\#(Int(exp.timeIntervalSince1970))}"#.utf8))
        return "eyJhbGciOiJFUzI1NiJ9.\(payload).c2ln"
    }

    @Test func aRevokedConsentSaysWhenInTheCitizensZoneAndLanguage() throws {
        // 23:30 UTC on 2 December is already 3 December in Oslo.
        let revoked = try Consents.view(status: "revoked", grantedAt: "2026-11-24T08:00:00Z", statusChangedAt: "2026-12-02T23:30:00Z")
        let error = try #require(CitizenError.conflict(.revoke, revoked, detail: "HTTP 409 The consent does not allow this (status)"))
        #expect(error.sentence(.english, in: Self.oslo, now: Self.now) == "This consent was revoked on 3 December; nothing more can be fetched with it.")
        #expect(error.sentence(.bokmål, in: Self.oslo, now: Self.now) == "Dette samtykket ble tilbakekalt 3. desember; ingenting mer kan hentes med det.")
        #expect(error.sentence(.english, in: TimeZone(identifier: "UTC")!, now: Self.now).contains("on 2 December;"))
        // Another year is named.
        #expect(error.sentence(.english, in: Self.oslo, now: RFC3339.date(from: "2027-01-05T10:00:00Z")!).contains("on 3 December 2026;"))
        #expect(!error.sentence(.english, in: Self.oslo, now: Self.now).contains("409"))
        #expect(error.sentence(.english, in: Self.oslo, now: Self.now, verbose: true).hasSuffix("it. [HTTP 409 The consent does not allow this (status)]"))
    }

    @Test func whatCannotBeDoneToAConsentIsToldByItsState() throws {
        let pending = try Consents.view(status: "pending")
        let active = try Consents.view(status: "active", grantedAt: "2026-12-01T09:00:00Z", statusChangedAt: "2026-12-01T09:00:00Z")
        #expect(CitizenError.conflict(.grant, pending) == nil && CitizenError.conflict(.deny, pending) == nil)
        #expect(CitizenError.conflict(.revoke, active) == nil)
        let revokingPending = try #require(CitizenError.conflict(.revoke, pending)).sentence(.english, in: Self.oslo, now: Self.now)
        #expect(revokingPending.contains("has not been granted") && revokingPending.contains("samtykke consent deny \(pending.id)"))
        let grantingActive = try #require(CitizenError.conflict(.grant, active)).sentence(.english, in: Self.oslo, now: Self.now)
        #expect(grantingActive.hasPrefix("This consent was granted on 1 December") && grantingActive.contains("samtykke consent revoke"))
        for (status, words) in [("denied", "was denied on"), ("withdrawn", "The bank withdrew"), ("expired", "expired on"), ("exhausted", "used up on")] {
            let ended = try Consents.view(status: status)
            for action in CitizenAction.allCases {
                let sentence = try #require(CitizenError.conflict(action, ended)).sentence(.english, in: Self.oslo, now: Self.now)
                #expect(sentence.contains(words) && sentence.contains("23 November"), "\(status): \(sentence)")
            }
        }
    }

    @Test func theBrokersRefusalsBecomeSentences() throws {
        let fresh = Self.token(exp: Self.now.addingTimeInterval(60))
        let expired = Self.token(exp: Self.now.addingTimeInterval(-60))
        func sentence(_ error: any Error, token: String = fresh, _ strings: CitizenStrings = .english) -> String {
            CitizenError.from(error, idToken: token, now: Self.now).sentence(strings, in: Self.oslo, now: Self.now)
        }
        let notFound = try Self.problem(#"{"status":404,"title":"Not found","detail":"no such consent"}"#)
        #expect(sentence(notFound) == "The consent was not found.")
        #expect(sentence(notFound, .bokmål) == "Fant ikke samtykket.")
        let unauthorized = try Self.problem(#"{"status":401,"title":"Authentication required","detail":"the ID token was refused: expired"}"#)
        #expect(sentence(unauthorized, token: expired) == "Your login has expired. Get a new ID token (--id-token or SAMTYKKE_ID_TOKEN) and try again.")
        #expect(sentence(unauthorized, token: expired, .bokmål).hasPrefix("Innloggingen din er utløpt."))
        #expect(sentence(unauthorized, token: fresh).hasPrefix("Your ID token was not accepted."))
        #expect(sentence(unauthorized, token: "not a jwt").hasPrefix("Your ID token was not accepted."))
        let gone = try Self.problem(#"{"status":410,"title":"Gone","consent":{"id":"x","bankOrg":"986352325","status":"revoked","createdAt":"2026-01-01T00:00:00Z","endedAt":"2026-03-03T12:00:00Z","forgottenAt":"2026-06-01T00:00:00Z"}}"#)
        #expect(sentence(gone).hasPrefix("This consent ended (revoked) on 3 March and its details were removed"))
        #expect(sentence(try Self.problem(#"{"status":503,"title":"Unavailable"}"#)) == "The broker could not answer right now; try again later.")
        #expect(sentence(BrokerClientError.status(429)) == "The broker is busy; try again in a minute.")
        let unreachable = CitizenError.from(BrokerClientError.unreachable(server: "http://127.0.0.1:9", cause: CancellationError()), idToken: fresh, now: Self.now)
        #expect(unreachable.sentence(.english, in: Self.oslo, now: Self.now) == "cannot reach the broker at http://127.0.0.1:9; check the address (--server) and your network connection.")
        #expect(unreachable.sentence(.english, in: Self.oslo, now: Self.now, verbose: true).contains("[CancellationError"))
        // No jargon without --verbose; with it, the status and the problem document, escaped.
        let conflict = try Self.problem(#"{"status":409,"title":"The consent does not allow this","field":"status","detail":"x\u001b[2J"}"#)
        #expect(!sentence(conflict).contains("409"))
        let verbose = CitizenError.from(conflict, idToken: fresh, now: Self.now).sentence(.english, in: Self.oslo, now: Self.now, verbose: true)
        #expect(verbose == #"The broker refused the request. [HTTP 409 The consent does not allow this (status): x\u{001B}[2J]"#)
    }
}
