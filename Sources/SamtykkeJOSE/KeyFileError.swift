/// A key or certificate file that cannot be used. Nothing read from the file is repeated: it may
/// hold a private key.
public enum KeyFileError: Error, Hashable, CustomStringConvertible {
    public enum Content: String, Sendable, Hashable {
        case ed25519PrivateKey = "Ed25519 private key"
        case p256PrivateKey = "P-256 private key"
        case p256PublicKey = "P-256 public key"
        case certificate = "certificate"

        var isPrivate: Bool { self == .ed25519PrivateKey || self == .p256PrivateKey }
    }

    /// `stat` failed: no such file, or a link to nothing.
    case missing(String)
    case notOwned(String, owner: Int, user: Int)
    case readableByOthers(String, mode: Int, target: String)
    case unreadable(String)
    case notA(Content, String)

    public var description: String {
        switch self {
        case .missing(let path): "cannot read key file \(path)"
        case .notOwned(let named, let owner, let user): "key file \(named) belongs to uid \(owner), not to this user (uid \(user))"
        case .readableByOthers(let named, let mode, let target):
            "key file \(named) has mode \(String(mode, radix: 8)); it must be 0600 or 0400 (chmod 600 \(target))"
        case .unreadable(let path): "cannot read \(path)"
        case .notA(let content, let path): "\(path) is not a PEM \(content.rawValue)"
        }
    }
}
