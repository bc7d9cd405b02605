import Crypto
import Foundation
import SamtykkeJOSE

/// Seals what the broker must keep but no database may hold readable: an issued bundle in its
/// idempotency record (so a retry gets the same bundle while no tax data sits at rest) and a
/// webhook's signing secret (HMAC needs the secret itself, so it cannot be hashed like an API key).
/// The key is derived, one per purpose, from the bundle-signing key, which every broker instance and
/// the operator's command line hold and no database does. A rotated signing key makes older copies
/// unopenable: a bundle copy lives a day at most, and a webhook is registered again.
public struct Seal: Sendable {
    public enum Purpose: Sendable {
        case idempotentBundle
        case webhookSecret

        /// HKDF `info`: a distinct key per purpose, so one kind of copy can never open as the other.
        var info: String {
            switch self {
            case .idempotentBundle: "samtykke idempotent bundle seal v1"
            case .webhookSecret: "samtykke webhook secret seal v1"
            }
        }
    }

    private let key: SymmetricKey

    public init(signer: ES256Signer, purpose: Purpose) {
        key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: signer.privateKey.rawRepresentation),
            info: Data(purpose.info.utf8),
            outputByteCount: 32
        )
    }

    /// `context` is authenticated, not encrypted: a copy opens only for the record it was sealed for
    /// (a webhook's id), so a sealed secret moved to another row is refused.
    public func seal(_ plain: [UInt8], context: String = "") throws(SealError) -> [UInt8] {
        guard let box = try? AES.GCM.seal(plain, using: key, authenticating: Data(context.utf8)), let combined = box.combined else {
            throw .unsealable
        }
        return Array(combined)
    }

    /// nil when the copy cannot be opened (sealed under an earlier key or for another record, or damaged).
    public func open(_ sealed: [UInt8], context: String = "") -> [UInt8]? {
        guard let box = try? AES.GCM.SealedBox(combined: sealed),
            let plain = try? AES.GCM.open(box, using: key, authenticating: Data(context.utf8))
        else { return nil }
        return Array(plain)
    }

    public enum SealError: Error {
        case unsealable
    }
}
