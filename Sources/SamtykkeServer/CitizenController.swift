import CanonicalJSON
import Foundation
import Hummingbird
import SamtykkeCore
import SamtykkeStore

/// The citizen's side: see requests, answer them, and see who read what.
struct CitizenController {
    let broker: Broker

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("consents", use: list)
        group.get("consents/:id", use: show)
        for action in CitizenAction.allCases {
            group.post("consents/:id/\(action.rawValue)") { request, context in
                try await answer(action, context: context)
            }
        }
        group.get("access-log", use: accessLog)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let consents = try await broker.store.consents(ConsentQuery(viewer: .citizen(try context.citizen()), limit: Int.max))
        return try JSONIO.response(ConsentList(consents: consents.map(ConsentView.init)))
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let consent = try await broker.store.consent(try consentID(context), for: .citizen(try context.citizen()))
        return try JSONIO.response(ConsentView(consent))
    }

    /// What a citizen can do to a consent that names them.
    enum CitizenAction: String, CaseIterable {
        case grant, deny, revoke

        func action(by person: PersonID) -> ConsentAction {
            switch self {
            case .grant: .grant(by: person)
            case .deny: .deny(by: person)
            case .revoke: .revoke(by: person)
            }
        }
    }

    func answer(_ action: CitizenAction, context: AppRequestContext) async throws -> Response {
        let person = try context.citizen()
        let outcome = try await broker.commit(.act(try consentID(context), by: .citizen(person), action.action(by: person)))
        return try JSONIO.response(ConsentView(try outcome.acceptedConsent()))
    }

    /// A page of the log about the citizen: reading the whole log for every request would let one
    /// citizen's history (or a flood of requests) cost the broker without bound.
    @Sendable func accessLog(_ request: Request, context: AppRequestContext) async throws -> Response {
        let person = try context.citizen()
        let limit = try AuditController.number("limit", in: request) ?? UInt64(Self.pageSize)
        guard (1...UInt64(Self.pageSize)).contains(limit) else { throw Problem.invalid("limit", "must be between 1 and \(Self.pageSize)") }
        let after = try AuditController.number("after", in: request)
        let start = after.map { $0 == UInt64(Int64.max) ? $0 : $0 + 1 } ?? 0
        let rows = try await broker.store.logEntries(LogQuery(start: start, limit: Int(limit), personId: person))
        let names = try await broker.store.bankNames()
        let entries = try rows.map { row in
            try AccessLogEntry(AuditEntry(leafBytes: row.leaf), bankNames: names)
        }
        let next = rows.count == Int(limit) ? rows.last?.index : nil
        return try JSONIO.response(AccessLog(personId: person.digits, entries: entries, next: next))
    }

    static let pageSize = 1000
}

struct AccessLog: Encodable {
    let personId: String
    let entries: [AccessLogEntry]
    /// Encoded as null on the last page, so clients need not guess.
    let next: UInt64?

    enum CodingKeys: String, CodingKey { case personId, entries, next }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(personId, forKey: .personId)
        try container.encode(entries, forKey: .entries)
        try container.encode(next, forKey: .next)
    }
}

/// One log entry about the citizen, with a sentence a person can read.
struct AccessLogEntry: Encodable {
    let index: UInt64
    let time: String
    let type: String
    let consentId: String
    let bankOrg: String
    let bankName: String?
    let actor: AuditEntry.Actor
    let summary: String

    init(_ entry: AuditEntry, bankNames: [OrgNumber: String]) {
        index = entry.index
        time = RFC3339.string(from: entry.time)
        type = entry.type.rawValue
        consentId = entry.consentId.description
        bankOrg = entry.bankOrg.digits
        bankName = bankNames[entry.bankOrg]
        actor = entry.actor
        let bank = bankName.map { "\($0) (\(entry.bankOrg))" } ?? "Bank \(entry.bankOrg)"
        summary = switch entry.event {
        case .requested(let terms): "\(bank) asked for your consent to read \(Self.describe(terms.scopes, terms.years))."
        case .transitioned(let transition, _):
            switch transition.event {
            case .grant: "You granted \(bank) consent."
            case .deny: "You denied \(bank)'s request."
            case .revoke: "You revoked \(bank)'s consent."
            case .withdraw: "\(bank) withdrew its \(transition.from == .pending ? "request" : "consent"): it no longer needs your data."
            case .expire: "\(bank)'s \(transition.from == .pending ? "request" : "consent") expired."
            case .exhaust: "\(bank)'s consent was used up."
            }
        case .bundleIssued(let issue): "\(bank) received \(Self.describe(issue.scopes, issue.years)) from the tax agency."
        case .bundleRefused(let reason): "\(bank) asked for your data and was refused (\(reason))."
        }
    }

    /// "income and debt for 2023, 2024".
    private static func describe(_ scopes: [Scope], _ years: [Int]) -> String {
        let names = scopes.map(\.rawValue)
        let list = names.count > 1 ? names.dropLast().joined(separator: ", ") + " and " + names.last! : names.joined()
        return "\(list) for \(years.map(String.init).joined(separator: ", "))"
    }
}
