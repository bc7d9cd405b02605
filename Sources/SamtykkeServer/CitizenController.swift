import CanonicalJSON
import Foundation
import Hummingbird
import SamtykkeCore
import SamtykkeStorage

/// The citizen's side: see requests, answer them, and see who read what.
struct CitizenController {
    let broker: Broker

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("consents", use: list)
        group.get("consents/:id", use: show)
        for action in SamtykkeDatabase.CitizenAction.allCases {
            group.post("consents/:id/\(action.rawValue)") { request, context in
                try await answer(action, context: context)
            }
        }
        group.get("access-log", use: accessLog)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let consents = try await broker.database.consents(for: .citizen(try context.citizen()))
        return try JSONIO.response(ConsentList(consents: consents.map(ConsentView.init)))
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let consent = try await broker.database.consent(try consentID(context), for: .citizen(try context.citizen()))
        return try JSONIO.response(ConsentView(consent))
    }

    func answer(_ action: SamtykkeDatabase.CitizenAction, context: AppRequestContext) async throws -> Response {
        let person = try context.citizen()
        let consent = try await broker.database.answer(try consentID(context), by: person, action, now: broker.now())
        return try JSONIO.response(ConsentView(consent))
    }

    @Sendable func accessLog(_ request: Request, context: AppRequestContext) async throws -> Response {
        let person = try context.citizen()
        let rows = try await broker.database.logEntries(start: 0, limit: Int.max, personId: person)
        let names = try await broker.database.bankNames()
        let entries = try rows.map { row in
            try AccessLogEntry(AuditEntry(leafBytes: row.leaf), bankNames: names)
        }
        return try JSONIO.response(AccessLog(personId: person.digits, entries: entries))
    }
}

struct AccessLog: Encodable {
    let personId: String
    let entries: [AccessLogEntry]
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
        let what = Self.describe(entry.details)
        summary = switch entry.type {
        case .consentRequested: "\(bank) asked for your consent to read \(what)."
        case .consentGranted: "You granted \(bank) consent."
        case .consentDenied: "You denied \(bank)'s request."
        case .consentRevoked: "You revoked \(bank)'s consent."
        case .consentExpired: "\(bank)'s \(entry.details["from"] == .string("pending") ? "request" : "consent") expired."
        case .consentExhausted: "\(bank)'s consent was used up."
        case .bundleIssued: "\(bank) received \(what) from the tax agency."
        case .bundleRefused: "\(bank) asked for your data and was refused (\(Self.text(entry.details["reason"]) ?? "no reason given"))."
        }
    }

    private static func text(_ value: JSONValue?) -> String? {
        if case .string(let s)? = value { return s }
        return nil
    }

    /// "income and debt for 2023, 2024" from the `scopes` and `years` details.
    private static func describe(_ details: [String: JSONValue]) -> String {
        guard case .array(let scopes)? = details["scopes"], case .array(let years)? = details["years"] else { return "your tax data" }
        let scopeNames = scopes.compactMap { text($0) }
        let yearNames = years.compactMap { value -> String? in
            if case .number(let n) = value { return String(Int(n)) }
            return nil
        }
        let list = scopeNames.count > 1 ? scopeNames.dropLast().joined(separator: ", ") + " and " + scopeNames.last! : scopeNames.joined()
        return "\(list) for \(yearNames.joined(separator: ", "))"
    }
}
