import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SamtykkeServer
import Testing
import TestSupport

/// Requests that do not authenticate are limited per address before any credential is looked at.
/// The router test client has no socket, so every request it sends comes from the same (absent)
/// address: one client, as an attacker with one address is. Live requests come from 127.0.0.1.
@Suite(.sameOnEveryBackend) struct AddressRateLimitTests {
    static let forged = "sbk_0123456789abcdef.AAAA"
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    /// `samtykke_rate_limited_total` in the process's registry.
    static func rateLimitedCount() -> Double {
        var text: [UInt8] = []
        SamtykkeMetrics.registry.emit(into: &text)
        let line = String(decoding: text, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("samtykke_rate_limited_total ") }
        return line.flatMap { Double($0.split(separator: " ")[1]) } ?? 0
    }

    @Test func refusedAndAnonymousRequestsUseUpTheAddressThenNoCredentialIsEvenRead() async throws {
        var made = try await RouterHarness.make()
        // A bucket that does not refill during the test, however slow the machine.
        made.settings.limits.addressRate = RateLimiter.Rule(perSecond: 0.001, burst: 3)
        let harness = made
        let token = try await harness.citizenToken()
        try await harness.test { client in
            // Requests that authenticate cost their address nothing, however many there are.
            for _ in 0..<10 { #expect(try await client.send(.get, "/v1/consents", bearer: harness.bankKey).status == .ok) }
            #expect(try await client.send(.get, "/v1/me/consents", bearer: token).status == .ok)
            // A forged API key, a forged ID token and an anonymous request each cost a token.
            #expect(try await client.send(.get, "/v1/consents", bearer: Self.forged).status == .unauthorized)
            #expect(try await client.send(.get, "/v1/me/consents", bearer: "eyJhbGciOiJFUzI1NiJ9.e30.AAAA").status == .unauthorized)
            #expect(try await client.send(.get, "/healthz").status == .ok)

            let before = Self.rateLimitedCount()
            let limited = try await client.send(.get, "/v1/consents", bearer: Self.forged)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.contentType] == "application/problem+json")
            #expect(limited.json["type"] as? String == Problem.typeBase + "address-rate-limited")
            // One token per 1000 s: the wait is long, and says so.
            #expect((limited.headers[.retryAfter].flatMap { Int($0) } ?? 0) > 100)
            // Out of tokens, the address is turned away before its credential is read, a valid one too.
            #expect(try await client.send(.get, "/v1/consents", bearer: harness.bankKey).status == .tooManyRequests)
            #expect(try await client.send(.get, "/v1/me/consents", bearer: token).status == .tooManyRequests)
            #expect(try await client.send(.get, "/v1/audit/checkpoint").status == .tooManyRequests)
            #expect(Self.rateLimitedCount() - before >= 4)
        }
    }

    @Test func aFloodOfForgedKeysIsStoppedAtTheBurst() async throws {
        var made = try await RouterHarness.make()
        made.settings.limits.addressRate = RateLimiter.Rule(perSecond: 0.001, burst: 20)
        let harness = made
        try await harness.test { client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<50 { statuses.append(try await client.send(.get, "/v1/consents", bearer: Self.forged).status) }
            #expect(statuses.filter { $0 == .unauthorized }.count == 20, "\(statuses)")
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 30, "\(statuses)")
        }
    }

    /// Behind a proxy every request has the proxy's address; `--trusted-proxy` makes the broker
    /// count each client its `X-Forwarded-For` names instead, and nothing a client writes there itself.
    @Test func behindATrustedProxyEachForwardedClientHasItsOwnAllowance() async throws {
        var made = try await RouterHarness.make()
        made.settings.limits.addressRate = RateLimiter.Rule(perSecond: 0.001, burst: 2)
        made.settings.trustedProxies = [try #require(IPNetwork("127.0.0.0/8"))]
        let proxied = made
        try await proxied.test(.live) { client throws in
            #expect(try await Self.anonymous(client, forwardedFor: "203.0.113.7") == .ok)
            #expect(try await Self.anonymous(client, forwardedFor: "203.0.113.7") == .ok)
            #expect(try await Self.anonymous(client, forwardedFor: "203.0.113.7") == .tooManyRequests)
            #expect(try await Self.anonymous(client, forwardedFor: "203.0.113.8") == .ok)
            // Left of what the proxy appended is the client's own word, and changes nothing.
            #expect(try await Self.anonymous(client, forwardedFor: "198.51.100.1, 203.0.113.7") == .tooManyRequests)
            // A chain of trusted proxies: the nearest untrusted hop is the client.
            #expect(try await Self.anonymous(client, forwardedFor: "203.0.113.7, 127.0.0.9") == .tooManyRequests)
            // IPv6 clients count by their /64: an address picked afresh from it is the same client.
            #expect(try await Self.anonymous(client, forwardedFor: "2001:db8:0:1::1") == .ok)
            #expect(try await Self.anonymous(client, forwardedFor: "2001:db8:0:1::2") == .ok)
            #expect(try await Self.anonymous(client, forwardedFor: "2001:db8:0:1:ffff::3") == .tooManyRequests)
            #expect(try await Self.anonymous(client, forwardedFor: "2001:db8:0:2::1") == .ok)
        }
        var direct = made
        direct.settings.trustedProxies = []
        try await direct.test(.live) { client throws in
            // From an untrusted peer the header is ignored: all of these are 127.0.0.1.
            #expect(try await Self.anonymous(client, forwardedFor: "203.0.113.7") == .ok)
            #expect(try await Self.anonymous(client, forwardedFor: "203.0.113.8") == .ok)
            #expect(try await Self.anonymous(client, forwardedFor: "203.0.113.9") == .tooManyRequests)
        }
    }

    static func anonymous(_ client: any TestClientProtocol, forwardedFor hops: String) async throws -> HTTPResponse.Status {
        try await client.send(.get, "/healthz", headers: [forwardedFor: hops]).status
    }

    @Test func networksMatchTheirAddressesAndNothingElse() throws {
        let v4 = try #require(IPNetwork("10.0.0.0/8"))
        #expect(v4.contains("10.200.3.4") && v4.contains("::ffff:10.0.0.1"))
        #expect(!v4.contains("11.0.0.1") && !v4.contains("::1") && !v4.contains("not an address"))
        let host = try #require(IPNetwork("192.0.2.1"))
        #expect(host.contains("192.0.2.1") && !host.contains("192.0.2.2"))
        let odd = try #require(IPNetwork("192.0.2.0/25"))
        #expect(odd.contains("192.0.2.127") && !odd.contains("192.0.2.128"))
        let v6 = try #require(IPNetwork("2001:db8::/32"))
        #expect(v6.contains("2001:db8:1::1") && !v6.contains("2001:db9::1") && !v6.contains("10.0.0.1"))
        for bad in ["", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8", "::/129", "example.com", "10.0.0"] {
            #expect(IPNetwork(bad) == nil, "\(bad)")
        }
    }
}
