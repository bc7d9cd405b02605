import Foundation
import OwnThread
#if canImport(Glibc)
import Glibc
#endif

/// Where a bank may have its events POSTed: https only, and never into the broker's own network
/// (loopback, link-local, private, unspecified, multicast) unless the operator allowed it for
/// development. Every address the host name resolves to must pass, so a name cannot smuggle in one
/// private address among public ones.
enum WebhookTarget {
    static let maxLength = 2048

    /// A target that passed, and the addresses its name resolved to as libcurl pins them
    /// (`HOST:PORT:ADDRESS,…`), so the connection goes where the check looked.
    struct Checked: Sendable {
        let url: String
        let pinnedAddresses: [String]
    }

    /// The URL as registered, or why it is refused. Checked again before every delivery, since
    /// what a name resolves to can change after registration.
    static func check(_ text: String, allowPrivate: Bool) async throws(WebhookTargetRefused) -> Checked {
        guard text.utf8.count <= maxLength else { throw WebhookTargetRefused(reason: "must be at most \(maxLength) bytes") }
        guard let url = URLComponents(string: text), url.scheme?.lowercased() == "https", let host = url.host, !host.isEmpty else {
            throw WebhookTargetRefused(reason: "must be an absolute https URL")
        }
        guard url.user == nil, url.password == nil, url.fragment == nil else {
            throw WebhookTargetRefused(reason: "must not carry credentials or a fragment")
        }
        guard !allowPrivate else { return Checked(url: text, pinnedAddresses: []) }
        // A bracketed IPv6 literal resolves as itself.
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let addresses = await resolve(name)
        guard !addresses.isEmpty else { throw WebhookTargetRefused(reason: "names host \(host), which does not resolve") }
        if let refused = addresses.first(where: { !isPublic($0) }) {
            throw WebhookTargetRefused(reason: "names host \(host), which resolves to \(describe(refused)), a loopback, link-local or private address")
        }
        let listed = addresses.map { $0.count == 16 ? "[\(describe($0))]" : describe($0) }.joined(separator: ",")
        return Checked(url: text, pinnedAddresses: ["\(name):\(url.port ?? 443):\(listed)"])
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

    /// False for what no bank's endpoint should be: 0/8, 10/8, 100.64/10, 127/8, 169.254/16,
    /// 172.16/12, 192.168/16, multicast and reserved IPv4; ::, ::1, fe80::/10, fc00::/7, multicast
    /// IPv6, and IPv4-mapped IPv6 by its IPv4 address.
    static func isPublic(_ address: [UInt8]) -> Bool {
        switch address.count {
        case 4:
            let (a, b) = (address[0], address[1])
            return !(a == 0 || a == 10 || a == 127 || a >= 224 || (a == 100 && (64...127).contains(b))
                || (a == 169 && b == 254) || (a == 172 && (16...31).contains(b)) || (a == 192 && b == 168))
        case 16:
            if address.prefix(10).allSatisfy({ $0 == 0 }) && address[10] == 0xFF && address[11] == 0xFF {
                return isPublic(Array(address.suffix(4)))
            }
            let unspecifiedOrLoopback = address.prefix(15).allSatisfy { $0 == 0 } && address[15] <= 1
            let linkLocal = address[0] == 0xFE && address[1] & 0xC0 == 0x80
            let uniqueLocal = address[0] & 0xFE == 0xFC
            let multicast = address[0] == 0xFF
            return !(unspecifiedOrLoopback || linkLocal || uniqueLocal || multicast)
        default:
            return false
        }
    }

    static func describe(_ address: [UInt8]) -> String {
        if address.count == 4 { return address.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: address.count, by: 2).map { String(UInt16(address[$0]) << 8 | UInt16(address[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }
}
