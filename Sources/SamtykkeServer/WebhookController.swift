import Foundation
import Hummingbird
import SamtykkeCore
import SamtykkeStore

/// A bank's webhook endpoints (SPEC §2): register one (its secret shown once), list, remove.
struct WebhookController {
    let broker: Broker
    let registrar: WebhookRegistrar

    init(broker: Broker) {
        self.broker = broker
        self.registrar = WebhookRegistrar(signer: broker.signer, allowPrivate: broker.webhookAllowPrivate)
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("webhooks", use: create)
        group.get("webhooks", use: list)
        group.delete("webhooks/:id", use: remove)
    }

    struct Created: Encodable {
        let id: String
        let url: String
        let secret: String
        let createdAt: String
    }

    struct Listed: Encodable {
        let id: String
        let url: String
        let createdAt: String
        let status: String

        init(_ webhook: Webhook) {
            id = webhook.id
            url = webhook.url
            createdAt = RFC3339.string(from: webhook.createdAt)
            status = webhook.status.rawValue
        }
    }

    struct Listing: Encodable {
        let webhooks: [Listed]
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let bank = try context.bank()
        let body = try await JSONIO.object(request, limit: broker.limits.maxBodyBytes, allowed: ["url"])
        let registered = try await registrar.register(url: try body.string("url"), for: bank, in: broker.store, now: broker.now())
        let webhook = registered.webhook
        return JSONIO.created(
            json: try JSONIO.bytes(Created(id: webhook.id, url: webhook.url, secret: registered.secret, createdAt: RFC3339.string(from: webhook.createdAt))),
            location: "/v1/webhooks/\(webhook.id)"
        )
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let webhooks = try await broker.store.webhooks(of: try context.bank())
        return try JSONIO.response(Listing(webhooks: webhooks.map(Listed.init)))
    }

    @Sendable func remove(_ request: Request, context: AppRequestContext) async throws -> Response {
        let bank = try context.bank()
        guard let id = context.parameters.get("id"), try await broker.store.removeWebhook(id: id, of: bank) else {
            throw Problem.notFound("no such webhook")
        }
        return Response(status: .noContent)
    }
}
