import Foundation
import Hummingbird
import SamtykkeCore
import SamtykkeStore

/// A bank's webhook endpoints (SPEC §2): register one (its secret shown once), list, remove.
struct WebhookController {
    let store: any WebhookStore & DeliveryStore
    let registrar: WebhookRegistrar
    /// Rung when a test event is queued, so the sender need not wait for its next poll.
    let deliveryBell: DeliveryBell
    let limits: Broker.Limits
    /// The broker's time (`Broker.now`).
    let now: @Sendable () -> Date

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("webhooks", use: create)
        group.get("webhooks", use: list)
        group.delete("webhooks/:id", use: remove)
        group.patch("webhooks/:id", use: update)
        group.get("webhooks/:id/deliveries", use: deliveries)
        group.post("webhooks/:id/deliveries/:deliveryId/attempts", use: redeliver)
        group.post("webhooks/:id/test", use: sendTest)
        group.post("webhooks/:id/secret", use: rotateSecret)
    }

    /// How long a rotated-out secret keeps signing beside the new one (SPEC §2): a day to deploy it.
    static let secretOverlap: TimeInterval = 86_400

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
        /// Empty: every type.
        let eventTypes: [String]

        init(_ webhook: Webhook) {
            id = webhook.id
            url = webhook.url
            createdAt = RFC3339.string(from: webhook.createdAt)
            status = webhook.status.rawValue
            eventTypes = webhook.eventTypes.map(\.rawValue).sorted()
        }
    }

    struct Listing: Encodable {
        let webhooks: [Listed]
    }

    /// One delivery in the bank's log: its id is its event's, as the endpoint saw it in `webhook-id`.
    struct DeliveryView: Encodable {
        let id: String
        let eventId: String
        let eventType: String
        let status: String
        let attempts: Int
        let lastAttemptAt: String?
        let lastStatus: Int?
        /// What the last attempt met when no status came back (refused, timed out, TLS).
        let lastError: String?
        let lastDurationMs: Int?
        let nextAttemptAt: String?

        init(_ record: DeliveryRecord) {
            id = record.event.description
            eventId = record.event.description
            eventType = record.eventType
            status = record.state.rawValue
            attempts = record.attempts
            lastAttemptAt = record.lastAttempt.map { RFC3339.string(from: $0.at) }
            (lastStatus, lastError) = record.lastAttempt?.result.columns ?? (nil, nil)
            lastDurationMs = record.lastAttempt?.milliseconds
            nextAttemptAt = record.nextAttemptAt.map { RFC3339.string(from: $0) }
        }

        func encode(to encoder: any Encoder) throws {
            // Absent values are sent as null, so every delivery has the same keys.
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(eventId, forKey: .eventId)
            try container.encode(eventType, forKey: .eventType)
            try container.encode(status, forKey: .status)
            try container.encode(attempts, forKey: .attempts)
            try container.encode(lastAttemptAt, forKey: .lastAttemptAt)
            try container.encode(lastStatus, forKey: .lastStatus)
            try container.encode(lastError, forKey: .lastError)
            try container.encode(lastDurationMs, forKey: .lastDurationMs)
            try container.encode(nextAttemptAt, forKey: .nextAttemptAt)
        }

        enum CodingKeys: String, CodingKey {
            case id, eventId, eventType, status, attempts, lastAttemptAt, lastStatus, lastError, lastDurationMs, nextAttemptAt
        }
    }

    struct DeliveryPage: Encodable {
        let deliveries: [DeliveryView]
        let next: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(deliveries, forKey: .deliveries)
            try container.encode(next, forKey: .next)
        }

        enum CodingKeys: String, CodingKey { case deliveries, next }
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let bank = try context.bank()
        let body = try await JSONIO.object(request, limit: limits.maxBodyBytes, allowed: ["url"])
        let registered = try await registrar.register(url: try body.string("url"), for: bank, in: store, now: now())
        let webhook = registered.webhook
        return JSONIO.created(
            json: try JSONIO.bytes(Created(id: webhook.id, url: webhook.url, secret: registered.secret, createdAt: RFC3339.string(from: webhook.createdAt))),
            location: "/v1/webhooks/\(webhook.id)"
        )
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let webhooks = try await store.webhooks(of: try context.bank())
        return try JSONIO.response(Listing(webhooks: webhooks.map(Listed.init)))
    }

    @Sendable func remove(_ request: Request, context: AppRequestContext) async throws -> Response {
        let bank = try context.bank()
        guard let id = context.parameters.get("id"), try await store.removeWebhook(id: id, of: bank) else {
            throw Problem.notFound("no such webhook")
        }
        return Response(status: .noContent)
    }

    /// The endpoint's deliveries, newest event first; `after` continues past the last one of a page.
    @Sendable func deliveries(_ request: Request, context: AppRequestContext) async throws -> Response {
        let bank = try context.bank()
        let limit = try ConsentListing.pageLimit(request, maxPageSize: limits.maxPageSize)
        let after = try request.uri.queryParameters.get("after").map { text in
            guard let id = MessageID(String(text)) else { throw Problem.invalid("after", "is not a delivery id (evt_ and a number, or evt_test_ and a number)") }
            return id
        }
        // One more than asked tells whether another page follows.
        guard let id = context.parameters.get("id"),
            let found = try await store.deliveries(webhook: id, of: bank, before: after, limit: limit + 1)
        else { throw Problem.notFound("no such webhook") }
        let page = found.prefix(limit)
        return try JSONIO.response(DeliveryPage(deliveries: page.map(DeliveryView.init), next: found.count > page.count ? page.last?.event.description : nil))
    }

    /// Queues one delivery again from its first attempt (and makes the endpoint active: the bank
    /// says it is back). Another bank's event is as unknown as one that never was.
    @Sendable func redeliver(_ request: Request, context: AppRequestContext) async throws -> Response {
        let bank = try context.bank()
        guard let id = context.parameters.get("id"), try await store.webhooks(of: bank).contains(where: { $0.id == id }) else {
            throw Problem.notFound("no such webhook")
        }
        if let text = context.parameters.get("deliveryId"), TestEventID(text) != nil {
            throw Problem.invalid("deliveryId", "is a test event, which is not delivered again: send another with POST /v1/webhooks/{id}/test")
        }
        guard let text = context.parameters.get("deliveryId"), let event = EventID(text) else {
            throw Problem.invalid("deliveryId", "is not a delivery id (the event's id: evt_ and a number)")
        }
        guard try await store.replayDelivery(event: event, webhook: id, of: bank, now: now()) else {
            throw Problem.notFound("no event \(event) of this bank's consents", field: "deliveryId")
        }
        return Response(status: .accepted)
    }

    /// Queues a signed `webhook.test` event for this endpoint alone, whatever its event-type filter
    /// (the bank asked for this one); it shows in the endpoint's delivery log, never in the events feed.
    @Sendable func sendTest(_ request: Request, context: AppRequestContext) async throws -> Response {
        let bank = try context.bank()
        guard let id = context.parameters.get("id"), let test = try await store.addTestEvent(webhook: id, of: bank, now: now()) else {
            throw Problem.notFound("no such webhook")
        }
        deliveryBell.ring()
        return try JSONIO.response(TestQueued(eventId: test.id.description), status: .accepted)
    }

    struct TestQueued: Encodable {
        let eventId: String
    }

    struct Rotated: Encodable {
        let secret: String
        let previousSecretExpiresAt: String
    }

    /// A new secret, shown once; the one it replaces keeps signing beside it for `secretOverlap`.
    @Sendable func rotateSecret(_ request: Request, context: AppRequestContext) async throws -> Response {
        let bank = try context.bank()
        let id = context.parameters.get("id") ?? ""
        let secret = WebhookSecret.generate()
        let until = now().addingTimeInterval(Self.secretOverlap)
        let sealed = try registrar.seal.seal(secret.bytes, context: id)
        guard try await store.rotateSecret(webhook: id, of: bank, to: sealed, previousUntil: until) else {
            throw Problem.notFound("no such webhook")
        }
        return try JSONIO.response(Rotated(secret: secret.text, previousSecretExpiresAt: RFC3339.string(from: until)))
    }

    /// `{eventTypes:[…]}`: only events of these types are queued for the endpoint from now on; an
    /// empty list, null or no member at all: every type.
    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let bank = try context.bank()
        let body = try await JSONIO.object(request, limit: limits.maxBodyBytes, allowed: ["eventTypes"])
        let given = body.members["eventTypes", default: .null] == .null ? [] : try body.array("eventTypes", maxCount: OutboxEvent.types.count)
        let types = try Set(given.map { field, value in
            guard case .string(let text) = value, let type = AuditEntry.EntryType(rawValue: text), OutboxEvent.types.contains(type) else {
                throw Problem.invalid(field, "must be one of \(OutboxEvent.types.map(\.rawValue).joined(separator: ", "))")
            }
            return type
        })
        guard let id = context.parameters.get("id"), let webhook = try await store.setEventTypes(types, webhook: id, of: bank) else {
            throw Problem.notFound("no such webhook")
        }
        return try JSONIO.response(Listed(webhook))
    }
}
