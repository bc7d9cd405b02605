import Foundation
import Hummingbird
import SamtykkeAPI
import SamtykkeCore
import SamtykkeStore

/// The bank's side: ask for consent, read it, collect bundles.
struct BankController {
    let store: any ConsentStore & RedirectURIStore & EventStore
    let committer: ConsentCommitter
    let bundles: BundleService
    let limits: Broker.Limits
    let policy: ConsentPolicy
    /// The broker's time (`Broker.now`).
    let now: @Sendable () -> Date
    /// The broker's public base URL (`Broker.publicBase`), for a consent's `viewUri`.
    let publicBase: @Sendable () -> String

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("consents", use: create)
        group.get("consents", use: list)
        group.get("consents/:id", use: show)
        group.delete("consents/:id", use: withdraw)
        group.post("consents/:id/bundles", use: issueBundle)
        group.get("events", use: events)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let bank = try context.bank()
        var request = request
        let raw = Array(try await request.collectBody(upTo: limits.maxBodyBytes).readableBytesView)
        let idempotency = try IdempotencyHeader.key(request, body: raw, bank: bank, limits: limits)
        let body = try await JSONIO.decode(ConsentRequest.self, from: request, limit: limits.maxBodyBytes)
        let now = now()
        let terms = try Self.terms(from: body, now: now, policy: policy)
        let reference = try body.externalReference.map { try ExternalReference($0) }
        let redirect = try await registeredRedirect(body.redirectUrl, of: bank)
        let consent = Consent(bankOrg: bank, terms: terms, externalReference: reference, redirectURL: redirect, now: now, policy: policy)
        // The key is claimed and finished inside the commit: concurrent retries get the one consent.
        let outcome = try await committer.commit(.create(consent), claiming: idempotency)
        if case .consentCreated(let id)? = outcome.replayed {
            return try created(try await store.consent(id, for: .bank(bank)), replayed: true)
        }
        guard outcome.replayed == nil else { throw StorageError.idempotencyMismatch }
        return try created(try outcome.acceptedConsent(), replayed: false)
    }

    /// SPEC §2b: the URL the citizen is sent back to must equal one the bank registered, byte for
    /// byte, so the broker never redirects anywhere a bank did not name in advance.
    private func registeredRedirect(_ text: String?, of bank: OrgNumber) async throws -> RedirectURI? {
        guard let text else { return nil }
        let uri = try RedirectURI(text)
        guard try await store.redirectURIs(of: bank).contains(uri) else {
            throw Problem.invalid("redirectUrl", "is not one of this bank's registered redirect URIs (samtykke bank redirect add)")
        }
        return uri
    }

    private func created(_ consent: Consent, replayed: Bool) throws -> Response {
        JSONIO.created(json: try JSONIO.bytes(ConsentView(consent, for: .bank, publicBase: publicBase())), location: "/v1/consents/\(consent.id)", replayed: replayed)
    }

    /// The terms a decoded consent request asks for, naming the first field that breaks a rule.
    static func terms(from body: ConsentRequest, now: Date, policy: ConsentPolicy) throws -> ConsentTerms {
        let personId = try PersonID(body.personId)
        guard body.scopes.count <= Scope.allCases.count else { throw Problem.invalid("scopes", "may hold at most \(Scope.allCases.count) items") }
        guard body.years.count <= 5 else { throw Problem.invalid("years", "may hold at most 5 items") }
        let purpose = try Purpose(code: body.purpose.code, text: body.purpose.text)
        guard let validUntil = RFC3339.date(from: body.validUntil) else {
            throw Problem.invalid("validUntil", "must be an RFC 3339 date-time such as 2026-12-01T12:00:00Z")
        }
        return try ConsentTerms(
            personId: personId, scopes: body.scopes, years: body.years, purpose: purpose,
            validUntil: validUntil, maxUses: body.maxUses, now: now, policy: policy
        )
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let bank = try context.bank()
        let consent = try await store.consent(try consentID(context), for: .bank(bank))
        return try JSONIO.response(ConsentView(consent, for: .bank, publicBase: publicBase()))
    }

    /// The bank's own consents, a page at a time: `next` is the `after` of the following page, null
    /// on the last one.
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        try JSONIO.response(try await ConsentListing.page(request, viewer: .bank(try context.bank()), store: store, maxPageSize: limits.maxPageSize) { ConsentView($0, for: .bank, publicBase: publicBase()) })
    }

    /// The bank's own act: it no longer needs the data. Terminal consents are a 409, another bank's a 404.
    @Sendable func withdraw(_ request: Request, context: AppRequestContext) async throws -> Response {
        let bank = try context.bank()
        let outcome = try await committer.commit(.act(try consentID(context), by: .bank(bank), .withdraw(by: bank)))
        return try JSONIO.response(ConsentView(try outcome.acceptedConsent(), for: .bank, publicBase: publicBase()))
    }

    /// The bank's events, oldest first, after `after`: the same ones its webhooks carry, for polling
    /// and for catching up after an outage.
    @Sendable func events(_ request: Request, context: AppRequestContext) async throws -> Response {
        let bank = try context.bank()
        let limit = try ConsentListing.pageLimit(request, maxPageSize: limits.maxPageSize)
        let after = try request.uri.queryParameters.get("after").map { text in
            guard let id = EventID(String(text)) else { throw Problem.invalid("after", "is not an event id (evt_ and a number)") }
            return id
        }
        // One more than asked tells whether another page follows.
        let found = try await store.events(EventQuery(bank: bank, after: after, limit: limit + 1))
        let page = found.prefix(limit)
        return try JSONIO.response(EventList(events: page.map(EventView.init), next: found.count > page.count ? page.last?.id.description : nil))
    }

    @Sendable func issueBundle(_ request: Request, context: AppRequestContext) async throws -> Response {
        let bank = try context.bank()
        let idempotency = try IdempotencyHeader.key(request, body: [], bank: bank, limits: limits)
        let id = try consentID(context)
        let issued = try await bundles.issue(id, for: bank, idempotency: idempotency, logger: context.logger)
        // The bundle is not kept, so its path names it (its `jti`) without serving it.
        return JSONIO.created(json: try issued.answer.json(), location: "/v1/consents/\(id)/bundles/\(issued.bundleID)", replayed: issued.replayed)
    }
}

/// The `:id` path parameter as a consent id; a malformed one is simply not found.
func consentID(_ context: AppRequestContext) throws -> ConsentID {
    guard let text = context.parameters.get("id"), let id = try? ConsentID(text) else {
        throw Problem.notFound("no such consent")
    }
    return id
}
