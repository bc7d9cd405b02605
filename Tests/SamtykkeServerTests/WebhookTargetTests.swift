import Foundation
import Testing
import TestSupport
@testable import SamtykkeServer

/// Server-side request forgery: a webhook target is refused when any address its host has lies in
/// a block of IANA's special-purpose registries that is not globally reachable, whichever block.
@Suite(.sameOnEveryBackend)
struct WebhookTargetTests {
    @Test(arguments: [
        ("0.1.2.3", "0.0.0.0/8"), ("10.200.0.1", "10.0.0.0/8"), ("100.127.255.254", "100.64.0.0/10"), ("127.0.0.1", "127.0.0.0/8"),
        ("169.254.169.254", "169.254.0.0/16"), ("172.31.0.1", "172.16.0.0/12"), ("192.0.0.8", "192.0.0.0/24"),
        ("192.0.2.1", "192.0.2.0/24"), ("192.88.99.1", "192.88.99.0/24"), ("192.168.1.1", "192.168.0.0/16"),
        ("198.19.0.1", "198.18.0.0/15"), ("198.51.100.7", "198.51.100.0/24"), ("203.0.113.7", "203.0.113.0/24"),
        ("239.1.1.1", "224.0.0.0/4"), ("250.0.0.1", "240.0.0.0/4"), ("255.255.255.255", "240.0.0.0/4"),
        ("::", "::/127"), ("::1", "::/127"), ("::7.8.9.10", "::/96"), ("::ffff:10.0.0.1", "10.0.0.0/8"),
        ("::ffff:127.0.0.1", "127.0.0.0/8"), ("64:ff9b::a9fe:a9fe", "169.254.0.0/16"), ("64:ff9b:1::1", "64:ff9b:1::/48"),
        ("100::1", "100::/64"), ("2001::1", "2001::/23"), ("2001:1ff::1", "2001::/23"), ("2001:db8::1", "2001:db8::/32"),
        ("2002:c0a8:101::1", "2002::/16"), ("3fff:123::1", "3fff::/20"), ("5f00::1", "5f00::/16"), ("fc00::1", "fc00::/7"),
        ("fd12:3456::1", "fc00::/7"), ("fe80::1", "fe80::/10"), ("febf::1", "fe80::/10"), ("fec0::1", "fec0::/10"), ("ff02::1", "ff00::/8"),
    ])
    func aNonGlobalAddressIsRefusedNamingItsBlock(_ address: String, _ block: String) async throws {
        let bytes = try #require(Self.bytes(address))
        let refused = try #require(WebhookTarget.refusedBlock(of: bytes))
        #expect(refused.hasPrefix(block + " ("), "\(address): \(refused)")
        await #expect(throws: WebhookTargetRefused.self) {
            _ = try await WebhookTarget.check("https://\(address.contains(":") ? "[\(address)]" : address)/hook", allowPrivate: false)
        }
    }

    @Test(arguments: [
        "1.1.1.1", "9.9.9.9", "100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.1", "192.0.1.1", "192.31.196.1",
        "192.52.193.1", "192.175.48.1", "198.17.255.255", "198.20.0.1", "223.255.255.254", "::ffff:8.8.8.8",
        "64:ff9b::808:808", "2001:200::1", "2001:4860:4860::8888", "2a00:1450::1", "3ffe::7", "fbff::1",
    ])
    func aGloballyReachableAddressPasses(_ address: String) async throws {
        let bytes = try #require(Self.bytes(address))
        #expect(WebhookTarget.refusedBlock(of: bytes) == nil, "\(address)")
        let checked = try await WebhookTarget.check("https://\(address.contains(":") ? "[\(address)]" : address):8443/hook", allowPrivate: false)
        #expect(checked.pinnedAddresses.count == 1 && checked.pinnedAddresses[0].contains(":8443:"), "\(checked.pinnedAddresses)")
    }

    @Test func aNameWithOnePrivateAddressAmongPublicOnesIsRefused() async throws {
        // `localhost` resolves to 127.0.0.1 (and ::1): the name is judged by every address.
        let refused = await #expect(throws: WebhookTargetRefused.self) {
            _ = try await WebhookTarget.check("https://localhost:8443/hook", allowPrivate: false)
        }
        #expect(refused?.reason.contains("loopback") == true, "\(String(describing: refused))")
        // Allowed, it is still pinned to what it resolved to.
        let allowed = try await WebhookTarget.check("https://localhost:8443/hook", allowPrivate: true).pinnedAddresses
        #expect(allowed.count == 1 && allowed[0].hasPrefix("localhost:8443:") && allowed[0].contains("127.0.0.1"), "\(allowed)")
    }

    static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        return inet_pton(AF_INET6, text, &v6) == 1 ? withUnsafeBytes(of: &v6) { Array($0) } : nil
    }
}
