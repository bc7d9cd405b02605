import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SamtykkeServer
import Testing
import TestSupport

/// The conventions integration teams know from other APIs (issue 31): `Location` on a 201, a
/// replayed idempotent answer that says so, the caller's rate limit in every answer and
/// `Retry-After` on every 429, and a `next` cursor on the events feed.
@Suite(.sameOnEveryBackend) struct ConventionTests {
    static let replayed = HTTPField.Name("Idempotent-Replayed")!
    static let policy = HTTPField.Name("RateLimit-Policy")!
    static let rateLimit = HTTPField.Name("RateLimit")!

    static func key(_ value: String) -> HTTPFields { [HTTPField.Name("Idempotency-Key")!: value] }

    @Test func everyCreatedAnswerNamesItsResourceAndAReplaySaysItIsOne() async throws {
        var made = try await RouterHarness.make()
        made.settings.webhookAllowPrivate = true
        let harness = made
        let token = try await harness.citizenToken()
        try await harness.test { client in
            let body = RouterHarness.request()
            let first = try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: body, headers: Self.key("loan-7"))
            let id = try #require(first.json["id"] as? String)
            #expect(first.status == .created && first.headers[.location] == "/v1/consents/\(id)")
            #expect(first.headers[Self.replayed] == nil)
            let again = try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: body, headers: Self.key("loan-7"))
            #expect(again.status == .created && again.json["id"] as? String == id)
            #expect(again.headers[.location] == "/v1/consents/\(id)" && again.headers[Self.replayed] == "true")
            // Without a key every request is a first one.
            let unkeyed = try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: body)
            #expect(unkeyed.status == .created && unkeyed.headers[Self.replayed] == nil && unkeyed.headers[.location] != nil)

            #expect(try await client.send(.post, "/v1/me/consents/\(id)/grant", bearer: token).status == .ok)
            let bundle = try await client.send(.post, "/v1/consents/\(id)/bundles", bearer: harness.bankKey, headers: Self.key("bundle-7"))
            #expect(bundle.status == .created && bundle.headers[Self.replayed] == nil)
            let jti = try Self.jti(of: try #require(bundle.json["bundle"] as? String))
            #expect(bundle.headers[.location] == "/v1/consents/\(id)/bundles/\(jti)")
            let replay = try await client.send(.post, "/v1/consents/\(id)/bundles", bearer: harness.bankKey, headers: Self.key("bundle-7"))
            #expect(replay.status == .created && replay.headers[Self.replayed] == "true")
            #expect(replay.headers[.location] == bundle.headers[.location])

            let hook = try await client.send(.post, "/v1/webhooks", bearer: harness.bankKey, body: Array(#"{"url":"https://127.0.0.1:8443/hook"}"#.utf8))
            let hookID = try #require(hook.json["id"] as? String)
            #expect(hook.status == .created && hook.headers[.location] == "/v1/webhooks/\(hookID)")
        }
    }

    static func jti(of jws: String) throws -> String {
        var payload = String(jws.split(separator: ".")[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        payload += String(repeating: "=", count: (4 - payload.count % 4) % 4)
        let claims = try JSONSerialization.jsonObject(with: try #require(Data(base64Encoded: payload))) as? [String: Any]
        return try #require(claims?["jti"] as? String)
    }

    @Test func aLimitedCallerHearsItsLimitInEveryAnswerAndEvery429SaysWhenToComeBack() async throws {
        var made = try await RouterHarness.make()
        // Buckets that do not refill during the test, however slow the machine.
        made.settings.limits.rate = RateLimiter.Rule(perSecond: 0.001, burst: 3)
        made.settings.limits.refusalRate = RateLimiter.Rule(perSecond: 0.001, burst: 1)
        made.settings.limits.addressRate = RateLimiter.Rule(perSecond: 0.001, burst: 1)
        let harness = made
        try await harness.test { client in
            var remaining: [Int] = []
            var resets: [Int] = []
            var last: TestResponse?
            for _ in 0..<4 {
                let answer = try await client.send(.get, "/v1/consents", bearer: harness.bankKey)
                // 3 at once, refilled over 3000 s.
                #expect(answer.headers[Self.policy] == #""caller";q=3;w=3000"#)
                let state = try #require(answer.headers[Self.rateLimit]?.wholeMatch(of: #/"caller";r=(\d+);t=(\d+)/#))
                remaining.append(Int(state.1)!)
                resets.append(Int(state.2)!)
                last = answer
            }
            #expect(remaining == [2, 1, 0, 0])
            // Seconds until full again: about 1000 per token spent (less by however long the test took).
            #expect(zip([1000, 2000, 3000, 3000], resets).allSatisfy { expected, reset in reset <= expected && reset > expected - 60 }, "\(resets)")
            let limited = try #require(last)
            #expect(limited.status == .tooManyRequests && (limited.headers[.retryAfter].flatMap { Int($0) } ?? 0) > 900)

            // The other bank's bucket is its own, and a refused bundle request's 429 (the refusal
            // limit) and the per-address one carry Retry-After as well.
            let id = try #require(try await client.send(.post, "/v1/consents", bearer: harness.otherBankKey, body: RouterHarness.request()).json["id"] as? String)
            #expect(try await client.send(.post, "/v1/consents/\(id)/bundles", bearer: harness.otherBankKey).status == .conflict)
            let refused = try await client.send(.post, "/v1/consents/\(id)/bundles", bearer: harness.otherBankKey)
            #expect(refused.status == .tooManyRequests && refused.headers[.retryAfter].flatMap { Int($0) } != nil)
            #expect(refused.headers[Self.policy] != nil && refused.headers[Self.rateLimit] != nil)

            #expect(try await client.send(.get, "/healthz").status == .ok)
            let anonymous = try await client.send(.get, "/healthz")
            #expect(anonymous.status == .tooManyRequests && anonymous.headers[.retryAfter].flatMap { Int($0) } != nil)
            // Anonymous callers have no caller policy to report.
            #expect(anonymous.headers[Self.policy] == nil)
        }
    }

    @Test func theEventsFeedSaysWhereTheNextPageStartsAndWhenThereIsNone() async throws {
        let harness = try await RouterHarness.make()
        try await harness.test { client in
            for _ in 0..<3 {
                #expect(try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: RouterHarness.request()).status == .created)
            }
            let first = try await client.send(.get, "/v1/events?limit=2", bearer: harness.bankKey)
            let events = try #require(first.json["events"] as? [[String: Any]])
            #expect(events.count == 2)
            let next = try #require(first.json["next"] as? String)
            #expect(next == events.last?["id"] as? String)
            let second = try await client.send(.get, "/v1/events?limit=2&after=\(next)", bearer: harness.bankKey)
            #expect((second.json["events"] as? [[String: Any]])?.count == 1)
            // Present and null: nothing more yet.
            #expect(second.json.keys.contains("next") && second.json["next"] is NSNull)
        }
    }

    static func request(reference: String) throws -> [UInt8] {
        var body = try #require(try JSONSerialization.jsonObject(with: Data(RouterHarness.request())) as? [String: Any])
        body["externalReference"] = reference
        return Array(try JSONSerialization.data(withJSONObject: body))
    }

    @Test func theBanksReferenceComesBackInItsViewsFiltersItsListAndRidesOnItsEventsButNeverReachesTheCitizen() async throws {
        let harness = try await RouterHarness.make()
        let token = try await harness.citizenToken()
        try await harness.test { client in
            let reference = "loan 2026/417 ~ A"
            let created = try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: try Self.request(reference: reference))
            #expect(created.status == .created && created.json["externalReference"] as? String == reference)
            let id = try #require(created.json["id"] as? String)
            let plain = try #require(try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: RouterHarness.request()).json["id"] as? String)
            #expect(try await client.send(.get, "/v1/consents/\(id)", bearer: harness.bankKey).json["externalReference"] as? String == reference)

            let query = try #require(reference.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
            let found = try await client.send(.get, "/v1/consents?externalReference=\(query)", bearer: harness.bankKey)
            #expect(found.status == .ok && (found.json["consents"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [id])
            let all = try await client.send(.get, "/v1/consents", bearer: harness.bankKey)
            #expect((all.json["consents"] as? [[String: Any]])?.count == 2)

            // The citizen sees neither the member nor the filter.
            let mine = try await client.send(.get, "/v1/me/consents/\(id)", bearer: token)
            #expect(mine.status == .ok && !mine.json.keys.contains("externalReference"))
            let listed = try await client.send(.get, "/v1/me/consents", bearer: token)
            #expect((listed.json["consents"] as? [[String: Any]])?.allSatisfy { !$0.keys.contains("externalReference") } == true)
            #expect(try await client.send(.get, "/v1/me/consents?externalReference=x", bearer: token).status == .badRequest)
            let granted = try await client.send(.post, "/v1/me/consents/\(id)/grant", bearer: token)
            #expect(granted.status == .ok && !granted.json.keys.contains("externalReference"))

            let events = try #require(try await client.send(.get, "/v1/events", bearer: harness.bankKey).json["events"] as? [[String: Any]])
            let data = events.compactMap { $0["data"] as? [String: Any] }
            #expect(data.filter { $0["consentId"] as? String == id }.map { $0["externalReference"] as? String } == [reference, reference])
            #expect(data.filter { $0["consentId"] as? String == plain }.allSatisfy { !$0.keys.contains("externalReference") })
        }
    }

    @Test func aBadReferenceOrAnEmptyFilterIsA400NamingIt() async throws {
        let harness = try await RouterHarness.make()
        try await harness.test { client in
            for bad in ["line\nbreak", "tab\there", "del\u{7F}", String(repeating: "x", count: 65), "", "blåbær"] {
                let answer = try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: try Self.request(reference: bad))
                #expect(answer.status == .badRequest && answer.json["field"] as? String == "externalReference", "\(bad.debugDescription): \(answer.status)")
            }
            let longest = try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: try Self.request(reference: String(repeating: "x", count: 64)))
            #expect(longest.status == .created)
            for filter in ["", "%0A", String(repeating: "y", count: 65)] {
                let answer = try await client.send(.get, "/v1/consents?externalReference=\(filter)", bearer: harness.bankKey)
                #expect(answer.status == .badRequest && answer.json["field"] as? String == "externalReference", "\(filter): \(answer.status)")
            }
            let notAString = Array((String(decoding: RouterHarness.request(), as: UTF8.self).dropLast() + #","externalReference":7}"#).utf8)
            let number = try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: notAString)
            #expect(number.status == .badRequest && number.json["field"] as? String == "externalReference")
        }
    }
}
