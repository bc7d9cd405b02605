import Foundation
import SamtykkeCore
import SamtykkeJOSE
import SamtykkeStore

/// Registers a bank's endpoint, the same for `POST /v1/webhooks` and `samtykke bank webhook add`:
/// the target checked, a fresh secret sealed for this webhook's id, the row stored.
public struct WebhookRegistrar: Sendable {
    public struct Registered: Sendable {
        public let webhook: Webhook
        /// `whsec_…`: shown to the bank once, never stored in the clear.
        public let secret: String
    }

    let seal: Seal
    let allowPrivate: Bool

    public init(signer: ES256Signer, allowPrivate: Bool) {
        seal = Seal(signer: signer, purpose: .webhookSecret)
        self.allowPrivate = allowPrivate
    }

    /// Throws a `Problem` naming `url` for a target it refuses, `bankNotFound` for an unknown bank.
    public func register(url text: String, for bank: OrgNumber, in store: any WebhookStore, now: Date) async throws -> Registered {
        let url = try await WebhookTarget.check(text, allowPrivate: allowPrivate).url
        let secret = WebhookSecret.generate()
        let id = Webhook.newID()
        let webhook = Webhook(id: id, bankOrg: bank, url: url, sealedSecret: try seal.seal(secret.bytes, context: id), createdAt: now)
        try await store.addWebhook(webhook)
        return Registered(webhook: webhook, secret: secret.text)
    }
}
