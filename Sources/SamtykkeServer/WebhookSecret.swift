import Foundation
import SamtykkeCore

/// A webhook's signing secret as Standard Webhooks spells it: `whsec_` and the base64 of 32
/// random bytes. The bytes are the HMAC key; the text is what the bank is shown, once.
struct WebhookSecret: Sendable {
    static let prefix = "whsec_"

    let bytes: [UInt8]

    var text: String { Self.prefix + Data(bytes).base64EncodedString() }

    static func generate() -> WebhookSecret {
        WebhookSecret(bytes: RandomBytes.make(32))
    }
}
