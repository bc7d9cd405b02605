import Crypto
import Foundation

/// Standard Webhooks signing: `v1,` and the base64 HMAC-SHA256, keyed with the secret's bytes, of
/// `id.timestamp.body`, so every `standardwebhooks` library verifies what the broker sends.
enum WebhookSignature {
    static func sign(id: String, timestamp: Int, body: [UInt8], secret: [UInt8]) -> String {
        var message = Array("\(id).\(timestamp).".utf8)
        message += body
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))
        return "v1," + Data(mac).base64EncodedString()
    }
}
