import Foundation

/// Extra trust roots for a TLS client (`serve --webhook-ca`): a file's bytes, once they are seen to
/// hold at least one PEM certificate, so a wrong file is refused at start and not at the first delivery.
public enum TrustRoots {
    public static func pem(from file: String) throws(TrustRootsError) -> [UInt8] {
        guard let bytes = FileManager.default.contents(atPath: file) else { throw .unreadable(file) }
        guard String(decoding: bytes, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----") else { throw .noCertificate(file) }
        return Array(bytes)
    }
}

public enum TrustRootsError: Error, Hashable, CustomStringConvertible {
    case unreadable(String)
    case noCertificate(String)

    public var description: String {
        switch self {
        case .unreadable(let file): "\(file) cannot be read"
        case .noCertificate(let file): "\(file) holds no PEM certificate"
        }
    }
}
