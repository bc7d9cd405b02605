import CanonicalJSON
import Foundation
import Hummingbird
import SamtykkeAPI
import SamtykkeCore
import SamtykkeStore

/// The citizen's side: see requests, answer them, and see who read what.
struct CitizenController {
    let store: any ConsentStore & PartyStore & LogStore & OpeningStore
    let committer: ConsentCommitter
    /// The witnesses' cosignatures, appended to a receipt's checkpoint.
    let cosignatures: HeldCosignatures
    /// Most consents one page returns (`Broker.Limits.maxPageSize`).
    let maxPageSize: Int
    /// The broker's public base URL (`Broker.publicBase`), for a consent's `viewUri`.
    let publicBase: @Sendable () -> String

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

    /// A page of the consents naming the citizen, each with its bank's name: a person knows a bank by
    /// its name, not by its organisation number.
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let person = try context.citizen()
        let names = try await store.bankNames()
        return try JSONIO.response(try await ConsentListing.page(request, viewer: .citizen(person), store: store, maxPageSize: maxPageSize) { ConsentView($0, for: .citizen(bankName: names[$0.bankOrg]), publicBase: publicBase()) })
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let consent = try await store.consent(try consentID(context), for: .citizen(try context.citizen()))
        return try await view(consent)
    }

    private func view(_ consent: Consent, receipt: AuditReceipt? = nil) async throws -> Response {
        var view = ConsentView(consent, for: .citizen(bankName: try await store.bankNames()[consent.bankOrg]), publicBase: publicBase())
        if let receipt {
            view.auditReceipt = BundleAnswer.Receipt(receipt, checkpoint: await cosignatures.cosigned(receipt.checkpoint))
        }
        return try JSONIO.response(view)
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
        let (consent, receipt) = try await Self.act(action, on: try consentID(context), by: try context.citizen(), committer: committer)
        return try await view(consent, receipt: receipt)
    }

    /// The one way a citizen changes a consent, from the API and from the pages alike: logged with
    /// the citizen as actor.
    static func act(_ action: CitizenAction, on id: ConsentID, by person: PersonID, committer: ConsentCommitter) async throws -> (Consent, AuditReceipt) {
        let outcome = try await committer.commit(.act(id, by: .citizen(person), action.action(by: person)))
        let consent = try outcome.acceptedConsent()
        guard let receipt = outcome.receipt else { throw StoreFailure.corrupt("a citizen's answer came back without its receipt") }
        return (consent, receipt)
    }

    /// A page of the log about the citizen: reading the whole log for every request would let one
    /// citizen's history (or a flood of requests) cost the broker without bound.
    @Sendable func accessLog(_ request: Request, context: AppRequestContext) async throws -> Response {
        let person = try context.citizen()
        let limit = try AuditController.number("limit", in: request) ?? UInt64(Self.pageSize)
        guard (1...UInt64(Self.pageSize)).contains(limit) else { throw Problem.invalid("limit", "must be between 1 and \(Self.pageSize)") }
        let after = try AuditController.number("after", in: request)
        let start = after.map { $0 == UInt64(Int64.max) ? $0 : $0 + 1 } ?? 0
        let (entries, next) = try await Self.accessLog(of: person, start: start, limit: Int(limit), store: store)
        return try JSONIO.response(AccessLog(personId: person.digits, entries: entries, next: next))
    }

    /// A page of the log about `person`, opened and in plain language, and where the next one starts.
    static func accessLog(
        of person: PersonID, start: UInt64, limit: Int, language: Language = .english,
        store: any PartyStore & LogStore & OpeningStore
    ) async throws -> ([AccessLog.Entry], UInt64?) {
        let rows = try await store.logEntries(LogQuery(start: start, limit: limit, personId: person))
        let names = try await store.bankNames()
        let entries = try await OpenedEntry.open(rows, store: store, about: person).map { opened in
            guard let entry = opened.entry else { throw StoreFailure.corrupt("entry \(opened.index) is about the citizen but has no opening") }
            return AccessLog.Entry(entry, bankNames: names, language: language)
        }
        return (entries, rows.count == limit ? rows.last?.index : nil)
    }

    static let pageSize = 1000
}
