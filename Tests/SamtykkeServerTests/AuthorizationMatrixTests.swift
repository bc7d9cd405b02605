import Foundation
import SamtykkeServer
import TestSupport
import TestSupport
import Testing

/// Every route × every kind of caller, with the status each must get. The rows are checked against
/// the router's own list of routes, so a route added without deciding who may call it fails here.
@Suite(.sameOnEveryBackend) struct AuthorizationMatrixTests {
    enum Who: String, CaseIterable, Sendable {
        case nobody, unknownKey, bankA, bankB, citizenX, citizenY, auditor

        func credential(_ parties: AuthorizationParties) -> String? {
            switch self {
            case .nobody: nil
            // Shaped exactly like a bank key, but never issued.
            case .unknownKey: "sbk_0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
            case .bankA: parties.bankA
            case .bankB: parties.bankB
            case .citizenX: parties.citizenX
            case .citizenY: parties.citizenY
            case .auditor: parties.auditor
            }
        }
    }

    /// What a route needs before one request: a consent in the right state, and a body.
    enum Setup {
        case none
        case pending
        case active
        case consentRequest
        /// One of bank A's webhooks.
        case webhook
        case webhookRequest
        /// One of bank A's webhooks and an event-type filter for it.
        case webhookFilter
        /// One of bank A's webhooks and a delivery to it (`{deliveryId}`).
        case webhookDelivery
    }

    struct Row {
        let setup: Setup
        let query: String
        /// The request path, for a route whose template (`**`) is no path of its own.
        let path: String?
        let expected: [Who: Int]

        init(_ expected: [Who: Int], setup: Setup = .none, path: String? = nil, query: String = "") {
            self.setup = setup
            self.path = path
            self.query = query
            self.expected = expected
        }
    }

    static let everyone: [Who: Int] = Dictionary(uniqueKeysWithValues: Who.allCases.map { ($0, 200) })

    /// A bank route: other parties' credentials are not bank keys (401), an auditor's key is a key
    /// of the wrong party (403).
    static func bank(a: Int, b: Int) -> [Who: Int] {
        [.nobody: 401, .unknownKey: 401, .bankA: a, .bankB: b, .citizenX: 401, .citizenY: 401, .auditor: 403]
    }

    /// A citizen route: only ID tokens count, every key is a 401.
    static func citizen(x: Int, y: Int) -> [Who: Int] {
        [.nobody: 401, .unknownKey: 401, .bankA: 401, .bankB: 401, .citizenX: x, .citizenY: y, .auditor: 401]
    }

    /// An auditor route: read-only keys only; a bank's key is the wrong party.
    static let auditorOnly: [Who: Int] = [.nobody: 401, .unknownKey: 401, .bankA: 403, .bankB: 403, .citizenX: 401, .citizenY: 401, .auditor: 200]

    /// Keyed like `Router.routes` describes them. Consents belong to bank A and name citizen X.
    static let pages: Set<String> = ["GET /consent/{id}", "POST /consent/{id}", "GET /me", "GET /login", "GET /login/callback", "POST /logout"]

    static let rows: [String: Row] = [
        "GET /.well-known/jwks.json": Row(everyone),
        "GET /healthz": Row(everyone),
        "GET /readyz": Row(everyone),
        "GET /metrics": Row(everyone),
        "GET /openapi.json": Row(everyone),
        "GET /problems/{name}": Row(everyone, path: "/problems/invalid-request"),
        // Public: the grant in the form is the credential, whatever Authorization says; no form is a 400.
        "POST /v1/token": Row(Dictionary(uniqueKeysWithValues: Who.allCases.map { ($0, 400) })),
        "GET /v1/audit/checkpoint": Row(everyone),
        "GET /v1/audit/log-key": Row(everyone),
        "GET /v1/audit/tlog/checkpoint": Row(everyone),
        "GET /v1/audit/tlog/tile/**": Row(everyone, setup: .pending, path: "/v1/audit/tlog/tile/0/000.p/1"),
        // A bundle of v2 entries names nobody (SPEC §4); one holding a v1 entry is the auditors' (OpeningsRouteTests).
        "GET /v1/audit/tlog/tile/entries/**": Row(everyone, setup: .pending, path: "/v1/audit/tlog/tile/entries/000.p/1"),

        "POST /v1/consents": Row(bank(a: 201, b: 201), setup: .consentRequest),
        "GET /v1/consents": Row(bank(a: 200, b: 200), setup: .pending),
        "GET /v1/consents/{id}": Row(bank(a: 200, b: 404), setup: .pending),
        "DELETE /v1/consents/{id}": Row(bank(a: 200, b: 404), setup: .pending),
        "GET /v1/events": Row(bank(a: 200, b: 200), setup: .pending),
        "POST /v1/webhooks": Row(bank(a: 201, b: 201), setup: .webhookRequest),
        "GET /v1/webhooks": Row(bank(a: 200, b: 200)),
        "DELETE /v1/webhooks/{id}": Row(bank(a: 204, b: 404), setup: .webhook),
        "PATCH /v1/webhooks/{id}": Row(bank(a: 200, b: 404), setup: .webhookFilter),
        "GET /v1/webhooks/{id}/deliveries": Row(bank(a: 200, b: 404), setup: .webhook),
        "POST /v1/webhooks/{id}/deliveries/{deliveryId}/attempts": Row(bank(a: 202, b: 404), setup: .webhookDelivery),
        "POST /v1/webhooks/{id}/test": Row(bank(a: 202, b: 404), setup: .webhook),
        "POST /v1/webhooks/{id}/secret": Row(bank(a: 200, b: 404), setup: .webhook),
        "POST /v1/consents/{id}/bundles": Row(bank(a: 201, b: 404), setup: .active),

        "GET /v1/me/consents": Row(citizen(x: 200, y: 200), setup: .pending),
        "GET /v1/me/consents/{id}": Row(citizen(x: 200, y: 404), setup: .pending),
        "POST /v1/me/consents/{id}/grant": Row(citizen(x: 200, y: 404), setup: .pending),
        "POST /v1/me/consents/{id}/deny": Row(citizen(x: 200, y: 404), setup: .pending),
        "POST /v1/me/consents/{id}/revoke": Row(citizen(x: 200, y: 404), setup: .active),
        "GET /v1/me/access-log": Row(citizen(x: 200, y: 200), setup: .pending),
        // Entry 0 is about citizen X; to citizen Y it is the same 404 as an index that does not exist.
        "GET /v1/me/openings": Row(citizen(x: 200, y: 404), setup: .pending, query: "?indexes=0"),
        "GET /v1/me/subject-key": Row(citizen(x: 200, y: 404), setup: .pending),

        // SPEC §2b: the session exchange; the harness has no ID provider to name.
        "GET /v1/citizen-login": Row(Dictionary(uniqueKeysWithValues: Who.allCases.map { ($0, 404) })),
        "POST /v1/citizen-sessions": Row(citizen(x: 201, y: 201)),
        "DELETE /v1/citizen-sessions/current": Row(Dictionary(uniqueKeysWithValues: Who.allCases.map { ($0, 401) })),
        // The pages take no Authorization header at all: without a login set up they say so (503),
        // and a form without the session's CSRF token is refused (403).
        "GET /consent/{id}": Row(Dictionary(uniqueKeysWithValues: Who.allCases.map { ($0, 503) }), setup: .pending),
        "POST /consent/{id}": Row(Dictionary(uniqueKeysWithValues: Who.allCases.map { ($0, 403) }), setup: .pending),
        "GET /me": Row(Dictionary(uniqueKeysWithValues: Who.allCases.map { ($0, 503) })),
        "GET /login": Row(Dictionary(uniqueKeysWithValues: Who.allCases.map { ($0, 503) })),
        "GET /login/callback": Row(Dictionary(uniqueKeysWithValues: Who.allCases.map { ($0, 503) })),
        "POST /logout": Row(Dictionary(uniqueKeysWithValues: Who.allCases.map { ($0, 403) })),

        "GET /v1/audit/entries": Row(auditorOnly, setup: .pending, query: "?start=0&limit=10"),
        "GET /v1/audit/proof/inclusion": Row(auditorOnly, setup: .pending, query: "?index=0&treeSize=1"),
        "GET /v1/audit/proof/consistency": Row(auditorOnly, setup: .pending, query: "?from=1&to=1"),
        "GET /v1/audit/openings": Row(auditorOnly, setup: .pending, query: "?start=0&limit=10"),
    ]

    @Test func everyRouteHasARowForEveryCaller() async throws {
        try await AuthorizationParties.run { parties in
            let routes = Set(buildRouter(broker: try await parties.harness.build().broker).routes.map(\.description))
            #expect(routes == Set(Self.rows.keys), "routes without a row: \(routes.subtracting(Self.rows.keys).sorted()); rows without a route: \(Set(Self.rows.keys).subtracting(routes).sorted())")
            for (route, row) in Self.rows {
                #expect(Set(row.expected.keys) == Set(Who.allCases), "\(route)")
            }
        }
    }

    @Test func everyCallerGetsExactlyWhatItsRoleAllows() async throws {
        try await AuthorizationParties.run { parties in
            for (route, row) in Self.rows.sorted(by: { $0.key < $1.key }) {
                let parts = route.split(separator: " ", maxSplits: 1)
                let (method, template) = (String(parts[0]), String(parts[1]))
                for who in Who.allCases {
                    // A fresh consent per request, so one caller's grant or bundle cannot change what
                    // the next one sees.
                    var id = ""
                    var body: [String: Any]?
                    var delivery = ""
                    switch row.setup {
                    case .none: break
                    case .pending: id = try await parties.pendingConsent()
                    case .active: id = try await parties.activeConsent()
                    case .consentRequest: body = consentRequest(for: parties.personX, now: parties.clock.now())
                    case .webhook: id = try await parties.webhook()
                    case .webhookRequest: body = ["url": AuthorizationParties.webhookURL]
                    case .webhookFilter:
                        id = try await parties.webhook()
                        body = ["eventTypes": ["consent.granted"]]
                    case .webhookDelivery:
                        id = try await parties.webhook()
                        _ = try await parties.pendingConsent()
                        // The new endpoint's only delivery: the consent's request.
                        let log = try await parties.caller(parties.bankA).send("GET", "/v1/webhooks/\(id)/deliveries")
                        delivery = try #require((log.json["deliveries"] as? [[String: Any]])?.first?["id"] as? String, "\(log.text)")
                    }
                    let path = (row.path ?? template.replacingOccurrences(of: "{id}", with: id).replacingOccurrences(of: "{deliveryId}", with: delivery)) + row.query
                    let answer = try await parties.caller(who.credential(parties)).send(method, path, body: body)
                    let expected = try #require(row.expected[who])
                    #expect(answer.status == expected, "\(who) \(route): \(answer.text)")

                    // `/v1/token` answers RFC 6749's JSON instead (SPEC §2c), and the pages for people
                    // answer pages (SPEC §2b).
                    if answer.status >= 400, Self.pages.contains(route) {
                        #expect(answer.header("Content-Type") == "text/html; charset=utf-8", "\(who) \(route)")
                    } else if answer.status >= 400, route != "POST /v1/token" {
                        #expect(answer.header("Content-Type") == "application/problem+json", "\(who) \(route)")
                        #expect(answer.json["status"] as? Int == answer.status, "\(who) \(route)")
                    }
                    if answer.status == 401 {
                        let challenge = who.credential(parties) == nil ? "Bearer" : #"Bearer error="invalid_token""#
                        #expect(answer.header("WWW-Authenticate") == challenge, "\(who) \(route)")
                    }
                    // Nobody but the consent's own bank and citizen learns anything about it. A problem's
                    // `instance` echoes the caller's own path, so it is left out.
                    if !id.isEmpty, who != .bankA, who != .citizenX, who != .auditor {
                        let told = answer.text.replacingOccurrences(of: "\"instance\":\"\(path.split(separator: "?")[0])\"", with: "")
                        #expect(!told.contains(id), "\(who) \(route) saw the consent")
                        #expect(!told.contains(parties.personX), "\(who) \(route) saw the citizen")
                    }
                }
            }
        }
    }
}
