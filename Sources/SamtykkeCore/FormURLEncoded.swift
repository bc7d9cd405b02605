import Foundation

/// `application/x-www-form-urlencoded`, as OAuth 2.0 carries its parameters: in a query, in a form's
/// body, and in the two halves of `client_secret_basic` (RFC 6749 §2.3.1, Appendix B).
public enum FormURLEncoded {
    /// The first value of each name (a repeated name is not a second chance at a check); `+` is a space.
    public static func decode(_ text: String) -> [String: String] {
        var found: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = component(String(parts[0])), found[name] == nil else { continue }
            found[name] = parts.count > 1 ? component(String(parts[1])) : ""
        }
        return found
    }

    /// One name or value; nil when its percent-encoding is broken.
    public static func component(_ text: String) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    public static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(escaped($0.0))=\(escaped($0.1))" }.joined(separator: "&")
    }

    private static let unreserved: CharacterSet = {
        var allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        allowed.insert(charactersIn: "-._~")
        return allowed
    }()

    private static func escaped(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}
