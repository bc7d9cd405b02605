import Foundation

/// A URL a bank may send its customer back to after the consent page (SPEC §2b): absolute, `https`,
/// or `http` on `127.0.0.1` or `localhost` (any port) for development; printable ASCII, no user
/// name or password, no fragment (the broker appends `consentId` and `status` to its query).
/// A consent's `redirectUrl` must equal a registered one byte for byte, so nothing here normalises.
public struct RedirectURI: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    public static let maxLength = 2048

    public init(_ text: String, field: String = "redirectUrl") throws(DomainError) {
        guard (1...Self.maxLength).contains(text.utf8.count) else { throw .invalid(field, "must be 1–\(Self.maxLength) characters") }
        guard text.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw .invalid(field, "must be printable ASCII without spaces")
        }
        guard let url = URLComponents(string: text), let scheme = url.scheme, let host = url.host, !host.isEmpty else {
            throw .invalid(field, "must be an absolute URL")
        }
        guard url.user == nil, url.password == nil else { throw .invalid(field, "must not carry a user name or password") }
        guard url.fragment == nil, !text.contains("#") else { throw .invalid(field, "must not have a fragment") }
        switch scheme {
        case "https": break
        case "http" where host == "127.0.0.1" || host == "localhost": break
        default: throw .invalid(field, "must be https (http only on 127.0.0.1 or localhost)")
        }
        if let port = url.port, !(1...65535).contains(port) { throw .invalid(field, "has a port outside 1–65535") }
        self.text = text
    }

    /// `scheme://host[:port]`, as a Content-Security-Policy source names an origin; nil when the host
    /// is neither a DNS name nor an IPv4 address (an IPv6 literal, or other characters), which no
    /// such source can name. The consent page's `form-action` must name the bank's origin, since
    /// browsers check a form's redirects against it, so only URLs with one are registered.
    public var origin: String? {
        guard let url = URLComponents(string: text), let scheme = url.scheme, let host = url.host, !host.isEmpty else { return nil }
        let named = host.utf8.allSatisfy { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") || (0x30...0x39).contains($0) || (0x61...0x7A).contains($0 | 0x20) }
        guard named else { return nil }
        return "\(scheme)://\(host)" + (url.port.map { ":\($0)" } ?? "")
    }

    /// Where the citizen goes once they answered: this URL with `consentId` and `status` added to its query.
    public func answered(_ id: ConsentID, status: String) -> String {
        "\(text)\(text.contains("?") ? "&" : "?")consentId=\(id)&status=\(status)"
    }

    public var description: String { text }
}
