import Crypto
import Foundation
import SamtykkeJOSE

/// Seals an issued bundle for its idempotency record, so a retry can get the same bundle while no
/// tax data sits readable at rest. The key is derived from the bundle-signing key, which every
/// broker instance holds and no database does; a sealed copy lives only as long as the record (a
/// day), and a rotated signing key simply makes older copies unopenable.
struct BundleSeal: Sendable {
    private let key: SymmetricKey

    init(signer: ES256Signer) {
        key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: signer.privateKey.rawRepresentation),
            info: Data("samtykke idempotent bundle seal v1".utf8),
            outputByteCount: 32
        )
    }

    func seal(_ jws: String) throws -> [UInt8] {
        guard let combined = try AES.GCM.seal(Data(jws.utf8), using: key).combined else {
            throw SealError.unsealable
        }
        return Array(combined)
    }

    /// nil when the copy cannot be opened (sealed under an earlier key, or damaged).
    func open(_ sealed: [UInt8]) -> String? {
        guard let box = try? AES.GCM.SealedBox(combined: sealed), let plain = try? AES.GCM.open(box, using: key) else { return nil }
        return String(data: plain, encoding: .utf8)
    }

    enum SealError: Error {
        case unsealable
    }
}
