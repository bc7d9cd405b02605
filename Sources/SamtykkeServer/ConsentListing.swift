import Hummingbird
import SamtykkeAPI
import SamtykkeCore
import SamtykkeStore

/// The one reading of a consent list's query, for the bank's `GET /v1/consents` and the citizen's
/// `GET /v1/me/consents`: `status`, `order` (newest first unless `oldest`), keyset paging with
/// `after` and `limit`. A viewer's history can be long; a page bounds what one request costs.
enum ConsentListing {
    static func page(
        _ request: Request, viewer: Viewer, store: any ConsentStore, maxPageSize: Int, view: (Consent) -> ConsentView
    ) async throws -> ConsentPage {
        let query = request.uri.queryParameters
        let limit = try pageLimit(request, maxPageSize: maxPageSize)
        let status = try query.get("status").map { text in
            guard let status = ConsentStatus(rawValue: String(text)) else {
                throw Problem.invalid("status", "must be one of \(ConsentStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return status
        }
        let order = try query.get("order").map { text in
            guard let order = ConsentQuery.Order(rawValue: String(text)) else { throw Problem.invalid("order", "must be newest or oldest") }
            return order
        } ?? .newestFirst
        // Only the bank's list declares it; the document refuses it on the citizen's.
        let reference = try query.get("externalReference").map { try ExternalReference(String($0)) }
        let after = try query.get("after").map { text in
            do { return try ConsentID(String(text)) } catch { throw Problem.invalid("after", "is not a consent id") }
        }
        // One more than asked tells whether another page follows.
        let found = try await store.consents(ConsentQuery(viewer: viewer, status: status, externalReference: reference, order: order, after: after, limit: limit + 1))
        let page = Array(found.prefix(limit))
        let next = found.count > page.count ? page.last?.id.description : nil
        return ConsentPage(consents: page.map(view), next: next)
    }

    /// `limit` of a page: 1 to the broker's page size (`Broker.Limits.maxPageSize`), 100 when absent.
    static func pageLimit(_ request: Request, maxPageSize: Int) throws -> Int {
        let limit = try AuditController.number("limit", in: request) ?? 100
        guard (1...UInt64(maxPageSize)).contains(limit) else {
            throw Problem.invalid("limit", "must be between 1 and \(maxPageSize)")
        }
        return Int(limit)
    }
}
