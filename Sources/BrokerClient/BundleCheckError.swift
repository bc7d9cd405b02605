import SamtykkeJOSE

/// Why a bundle is not one the bank can rely on.
public enum BundleCheckError: Error, CustomStringConvertible {
    case signature(keySource: String, cause: JOSEError)
    case issuedTo(bank: String, expected: String)
    case issuedBy(issuer: String, expected: String)
    case receipt(ReceiptError)
    /// The log entry and the bundle name different consents, people, banks or bundles.
    case mismatch(what: String, logged: String, claimed: String)

    public var description: String {
        switch self {
        case .signature(let source, let cause): "the bundle's signature does not verify against \(source): \(cause)"
        case .issuedTo(let bank, let expected): "the bundle is issued to bank \(bank), not to \(expected)"
        case .issuedBy(let issuer, let expected): "the bundle is issued by \(issuer), not by \(expected)"
        case .receipt(let error): error.description
        case .mismatch(let what, let logged, let claimed): "the log entry names \(what) \(logged), the bundle \(claimed)"
        }
    }
}
