import Foundation
import OwnThread
#if canImport(Glibc)
import Glibc
#endif

/// Where a bank may have its events POSTed: https only, and never to an address that is not
/// globally reachable (loopback, link-local, private, documentation, reserved and the rest of
/// IANA's special-purpose blocks) unless the operator allowed it for development. Every address the host name resolves to must pass, so a name cannot smuggle in one
/// private address among public ones.
package enum WebhookTarget {
    static let maxLength = 2048

    /// A target that passed, and the addresses its host resolved to as libcurl pins them
    /// (`HOST:PORT:ADDRESS,…`, see `pin`), so the connection goes where the check looked.
    package struct Checked: Sendable {
        package let url: String
        package let pinnedAddresses: [String]
    }

    /// The URL as registered, or why it is refused. Checked again before every delivery, since
    /// what a name resolves to can change after registration. With `allowPrivate` only the
    /// address blocks are not judged: the addresses are resolved and pinned all the same, so the
    /// targets of development and tests (loopback) go through the code real targets do.
    package static func check(_ text: String, allowPrivate: Bool) async throws(WebhookTargetRefused) -> Checked {
        guard text.utf8.count <= maxLength else { throw WebhookTargetRefused(reason: "must be at most \(maxLength) bytes") }
        // The URL is shown to operators and sent in requests as it was registered: nothing in it
        // may be a control character, a space or anything beyond ASCII that would read differently.
        guard text.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw WebhookTargetRefused(reason: "must be printable ASCII, without spaces or control characters")
        }
        guard let url = URLComponents(string: text), url.scheme?.lowercased() == "https", let host = url.host, !host.isEmpty else {
            throw WebhookTargetRefused(reason: "must be an absolute https URL")
        }
        guard url.user == nil, url.password == nil, url.fragment == nil else {
            throw WebhookTargetRefused(reason: "must not carry credentials or a fragment")
        }
        let port = url.port ?? 443
        guard (1...65535).contains(port) else { throw WebhookTargetRefused(reason: "must name a port from 1 to 65535, not \(port)") }
        // A bracketed IPv6 literal resolves as itself.
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let addresses = await resolve(name)
        guard !addresses.isEmpty else { throw WebhookTargetRefused(reason: "names host \(host), which does not resolve") }
        if !allowPrivate {
            for address in addresses {
                if let block = refusedBlock(of: address) {
                    throw WebhookTargetRefused(reason: "names host \(host), which resolves to \(describe(address)), a private address: it is in \(block)")
                }
            }
        }
        return Checked(url: text, pinnedAddresses: [pin(host: host, port: port, addresses: addresses)])
    }

    /// `HOST:PORT:ADDRESS,…` as CURLOPT_RESOLVE reads it: IPv6 addresses in brackets, and an IPv6
    /// literal host as the URL writes it (`[2001:db8::1]:8443:[2001:db8::1]`), which `CurlRequest`
    /// pins through CURLOPT_CONNECT_TO since libcurl's RESOLVE cannot name such a host.
    static func pin(host: String, port: Int, addresses: [[UInt8]]) -> String {
        let listed = addresses.map { $0.count == 16 ? "[\(describe($0))]" : describe($0) }.joined(separator: ",")
        return "\(host):\(port):\(listed)"
    }

    /// Every IPv4 (4 bytes) and IPv6 (16 bytes) address of `host`; empty when it does not resolve.
    /// The lookup blocks, so it runs on a thread of its own.
    static func resolve(_ host: String) async -> [[UInt8]] {
        await onOwnThread {
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, nil, &hints, &list) == 0 else { return [] }
            defer { freeaddrinfo(list) }
            var addresses: [[UInt8]] = []
            var next = list
            while let info = next {
                if info.pointee.ai_family == AF_INET, let address = info.pointee.ai_addr {
                    var v4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                    addresses.append(withUnsafeBytes(of: &v4) { Array($0) })
                } else if info.pointee.ai_family == AF_INET6, let address = info.pointee.ai_addr {
                    var v6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                    addresses.append(withUnsafeBytes(of: &v6) { Array($0) })
                }
                next = info.pointee.ai_next
            }
            return addresses
        }
    }

    /// The block of IANA's special-purpose registries (RFC 6890 and successors) that is not
    /// globally reachable, plus multicast, that `address` is in; nil for an address a bank's
    /// endpoint may have. An IPv6 address that carries an IPv4 one (mapped, NAT64) is judged by it.
    static func refusedBlock(of address: [UInt8]) -> String? {
        if address.count == 16, let embedded = embeddedIPv4(address), let block = refusedBlock(of: embedded) { return block }
        return refusedBlocks.first { $0.network.contains(bytes: address) }.map { "\($0.network) (\($0.name))" }
    }

    private static func embeddedIPv4(_ address: [UInt8]) -> [UInt8]? {
        let mapped = address.prefix(10).allSatisfy { $0 == 0 } && address[10] == 0xFF && address[11] == 0xFF
        let nat64 = address.prefix(12) == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0]
        return mapped || nat64 ? Array(address.suffix(4)) : nil
    }

    private static let refusedBlocks: [(network: IPNetwork, name: String)] = [
        ("0.0.0.0/8", "this network"), ("10.0.0.0/8", "private use"), ("100.64.0.0/10", "shared address space"),
        ("127.0.0.0/8", "loopback"), ("169.254.0.0/16", "link-local"), ("172.16.0.0/12", "private use"),
        ("192.0.0.0/24", "IETF protocol assignments"), ("192.0.2.0/24", "documentation"), ("192.88.99.0/24", "6to4 relay anycast"),
        ("192.168.0.0/16", "private use"), ("198.18.0.0/15", "benchmarking"), ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"), ("224.0.0.0/4", "multicast"), ("240.0.0.0/4", "reserved"),
        ("::/127", "unspecified or loopback"), ("::/96", "IPv4-compatible"),
        ("64:ff9b:1::/48", "local-use IPv4/IPv6 translation"), ("100::/64", "discard-only"),
        ("2001::/23", "IETF protocol assignments"), ("2001:db8::/32", "documentation"), ("2002::/16", "6to4"),
        ("3fff::/20", "documentation"), ("5f00::/16", "segment routing"), ("fc00::/7", "unique local"),
        ("fe80::/10", "link-local"), ("fec0::/10", "site-local"), ("ff00::/8", "multicast"),
    ].map { (IPNetwork($0.0)!, $0.1) }

    /// The address as text: dotted IPv4, or IPv6 in the short form of RFC 5952 (`2001:db8::1`).
    static func describe(_ address: [UInt8]) -> String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = address.count == 4 ? AF_INET : AF_INET6
        let written = address.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &text, socklen_t(text.count)) }
        return written == nil ? address.map { String($0) }.joined(separator: ".") : String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
