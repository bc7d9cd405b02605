import CanonicalJSON
import Hummingbird
import SamtykkeCore
import SamtykkeStore

/// Who may open which v2 entries (SPEC §4): auditors every opening with its subject key, a citizen
/// their own openings and subject key. A citizen never learns whether an index they may not open
/// exists or is about someone else: both are the same 404.
struct OpeningsController {
    let store: any LogStore & OpeningStore
    /// Most openings one page returns (`Broker.Limits.maxPageSize`).
    let maxPageSize: Int

    /// On the auditors' group, `/v1/audit`.
    func addAuditorRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("openings", use: auditOpenings)
    }

    /// On the citizens' group, `/v1/me`.
    func addCitizenRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("openings", use: myOpenings)
        group.get("subject-key", use: subjectKey)
    }

    @Sendable func auditOpenings(_ request: Request, context: AppRequestContext) async throws -> Response {
        let start = try AuditController.number("start", in: request) ?? 0
        let limit = try AuditController.number("limit", in: request) ?? UInt64(maxPageSize)
        guard (1...UInt64(maxPageSize)).contains(limit) else {
            throw Problem.invalid("limit", "must be between 1 and \(maxPageSize)")
        }
        // Written by the store from each opening's stored bytes: a page is up to a thousand openings,
        // not worth reading back into values only to write them again.
        let page = try await store.openingsPage(from: start, limit: Int(limit))
        // A full page may have more behind it; a short one ends the log's openings.
        let next: OpeningsPage.Next = page.count == Int(limit) ? page.lastIndex.map { .at($0 + 1) } ?? .end : .end
        return JSONIO.response(json: page.page(next: next))
    }

    @Sendable func myOpenings(_ request: Request, context: AppRequestContext) async throws -> Response {
        let person = try context.citizen()
        guard let text = request.uri.queryParameters.get("indexes") else { throw Problem.invalid("indexes", "is required") }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count <= Self.maxIndexes else { throw Problem.invalid("indexes", "names more than \(Self.maxIndexes) entries") }
        let indexes = try parts.map { part in
            guard !part.isEmpty, part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int64(part) else {
                throw Problem.invalid("indexes", "must be comma-separated integers from 0 to \(Int64.max)")
            }
            return UInt64(value)
        }
        let openings = try await store.openings(at: Array(Set(indexes)).sorted(), of: person)
        guard !openings.isEmpty else { throw Problem.notFound("none of these entries is about you") }
        return JSONIO.response(json: try OpeningsPage(items: openings.map { OpeningsPage.Item(opening: $0, subjectKey: nil) }, next: .absent).json())
    }

    @Sendable func subjectKey(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let key = try await store.subjectKey(of: try context.citizen()) else {
            throw Problem.notFound("the log holds no v2 entry about you yet")
        }
        return try JSONIO.response(JSONValue.object(["subjectKey": .string(key.description)]))
    }

    /// Most indexes one `/v1/me/openings` asks for: a page of the access log.
    static let maxIndexes = CitizenController.pageSize
}
