#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IP address or network, `10.0.0.0/8`, `2001:db8::/32` or a single `127.0.0.1`: a proxy in
/// front of the broker whose `X-Forwarded-For` it believes.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    private let bytes: [UInt8]
    private let prefixLength: Int
    public let description: String

    /// nil for anything but an IPv4 or IPv6 address, optionally with a prefix length that fits it.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let bytes = Self.bytes(of: String(parts[0])) else { return nil }
        var prefixLength = bytes.count * 8
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let given = Int(parts[1]), given <= prefixLength else { return nil }
            prefixLength = given
        }
        self.bytes = bytes
        self.prefixLength = prefixLength
        self.description = text
    }

    public func contains(_ address: String) -> Bool {
        guard let other = Self.bytes(of: address) else { return false }
        return contains(bytes: other)
    }

    /// `address` as 4 (IPv4) or 16 (IPv6) bytes.
    func contains(bytes other: [UInt8]) -> Bool {
        guard other.count == bytes.count else { return false }
        var remaining = prefixLength
        for (mine, theirs) in zip(bytes, other) where remaining > 0 {
            let mask = UInt8.max << (8 - min(8, remaining))
            guard mine & mask == theirs & mask else { return false }
            remaining -= 8
        }
        return true
    }

    /// Whom the per-address limit counts a client as: its IPv4 address, or the /64 its IPv6 address
    /// is in, since a subscriber is given a whole /64 to pick addresses from. Text that is no address
    /// (from a proxy's `X-Forwarded-For`) counts as itself.
    static func limitKey(for address: String) -> String {
        guard let bytes = bytes(of: address) else { return address }
        guard bytes.count == 16 else { return bytes.map(String.init).joined(separator: ".") }
        return bytes.prefix(8).map { String($0, radix: 16) }.joined(separator: ":") + "/64"
    }

    /// 4 bytes for IPv4, 16 for IPv6; an IPv4 address mapped into IPv6 (`::ffff:10.0.0.1`, as a
    /// dual-stack socket reports IPv4 peers) is the IPv4 address it carries.
    private static func bytes(of text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        let mapped = bytes.prefix(10).allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
        return mapped ? Array(bytes.suffix(4)) : bytes
    }
}
