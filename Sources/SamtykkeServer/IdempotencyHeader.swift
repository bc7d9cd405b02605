import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import SamtykkeCore
import SamtykkeStore

/// Reads a bank's `Idempotency-Key` header (draft-ietf-httpapi-idempotency-key-header) and binds it
/// to this exact request: method, path and body.
enum IdempotencyHeader {
    static let name = HTTPField.Name("Idempotency-Key")!

    /// A claim is abandoned once the longest request (`bundleDeadline`) could not still be running;
    /// a finished record is kept `idempotencyRetention`, which the expiry sweep prunes by.
    static func key(_ request: Request, body: [UInt8], bank: OrgNumber, limits: Broker.Limits) throws -> IdempotencyKey? {
        guard let value = request.headers[name] else { return nil }
        guard (1...255).contains(value.utf8.count), value.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7e }) else {
            throw Problem.invalid("Idempotency-Key", "must be 1–255 visible ASCII characters")
        }
        var hasher = SHA256()
        hasher.update(data: Array("\(request.method.rawValue) \(request.uri.path)\n".utf8))
        hasher.update(data: body)
        return IdempotencyKey(
            bank: bank,
            key: value,
            requestHash: Array(hasher.finalize()),
            abandonAfter: TimeInterval(limits.bundleDeadline.components.seconds) * 2 + 1,
            retainFor: limits.idempotencyRetention
        )
    }
}
