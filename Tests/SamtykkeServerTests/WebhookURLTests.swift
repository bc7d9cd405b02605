import Foundation
import Testing
import TestSupport
@testable import SamtykkeServer

/// A webhook URL is shown to operators and sent in requests as registered (SPEC §2): an absolute
/// https URL of printable ASCII with a port in 1–65535, anything else a 400 naming `url`.
@Suite(.sameOnEveryBackend) struct WebhookURLTests {
    /// Each is a public address with one flaw; the same URL without it is registered.
    @Test(arguments: [
        #"https://172.32.0.1/\u001b[2J\u001b[1;1Hpwned"#,  // an escape sequence that clears the operator's terminal
        #"https://172.32.0.1/a\r\nX-Injected: 1"#, #"https://172.32.0.1/a\nb"#, #"https://172.32.0.1/a\u0000b"#,
        #"https://172.32.0.1/a b"#, #"https://172.32.0.1/a\u007fb"#, #"https://172.32.0.1/caf\u00e9"#,
        "https://172.32.0.1:0/hook", "https://172.32.0.1:99999/hook", "https://172.32.0.1:65536/hook",
    ])
    func aURLWithAControlCharacterASpaceOrABadPortIsA400NamingURL(_ url: String) async throws {
        let harness = try await RouterHarness.make()
        try await harness.test { client in
            let refused = try await client.send(.post, "/v1/webhooks", bearer: harness.bankKey, body: Array(#"{"url":"\#(url)"}"#.utf8))
            #expect(refused.status == .badRequest, "\(url): \(String(buffer: refused.body))")
            #expect(refused.json["field"] as? String == "url", "\(url): \(String(buffer: refused.body))")
            let listed = try await client.send(.get, "/v1/webhooks", bearer: harness.bankKey)
            #expect((listed.json["webhooks"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func theSameURLsWithoutTheFlawAreRegistered() async throws {
        let harness = try await RouterHarness.make()
        try await harness.test { client in
            for url in ["https://172.32.0.1/hook", "https://172.32.0.1:1/hook", "https://172.32.0.1:65535/hook", "https://172.32.0.1/caf%C3%A9?a=b"] {
                let created = try await client.send(.post, "/v1/webhooks", bearer: harness.bankKey, body: Array(#"{"url":"\#(url)"}"#.utf8))
                #expect(created.status == .created, "\(url): \(String(buffer: created.body))")
            }
        }
    }

    /// The pin as libcurl reads it: IPv6 addresses in brackets, every address of a name, and an IPv6
    /// literal host as the URL writes it.
    @Test func thePinNamesTheHostAndPortAndBracketsIPv6() throws {
        let v4 = try #require(WebhookTargetTests.bytes("172.32.0.1"))
        let v6 = try #require(WebhookTargetTests.bytes("2001:4860:4860::8888"))
        #expect(WebhookTarget.pin(host: "172.32.0.1", port: 443, addresses: [v4]) == "172.32.0.1:443:172.32.0.1")
        #expect(WebhookTarget.pin(host: "[2001:4860:4860::8888]", port: 8443, addresses: [v6]) == "[2001:4860:4860::8888]:8443:[2001:4860:4860::8888]")
        #expect(WebhookTarget.pin(host: "hooks.example", port: 8443, addresses: [v4, v6]) == "hooks.example:8443:172.32.0.1,[2001:4860:4860::8888]")
    }

    /// With `--webhook-allow-private` the addresses are pinned all the same, IPv6 literals too.
    @Test func privateTargetsArePinnedWhenAllowed() async throws {
        #expect(try await WebhookTarget.check("https://[::1]:8443/hook", allowPrivate: true).pinnedAddresses == ["[::1]:8443:[::1]"])
        #expect(try await WebhookTarget.check("https://127.0.0.1:8443/hook", allowPrivate: true).pinnedAddresses == ["127.0.0.1:8443:127.0.0.1"])
        let checked = try await WebhookTarget.check("https://[2001:4860:4860::8888]/hook", allowPrivate: false)
        #expect(checked.pinnedAddresses == ["[2001:4860:4860::8888]:443:[2001:4860:4860::8888]"])
    }
}
