import CanonicalJSON
import Foundation
import Hummingbird
import SamtykkeCore
import SamtykkeStore

/// The auditor's read-only view of the log (SPEC §2): entries with filters, and proofs.
struct AuditController {
    let store: any LogStore & OpeningStore
    /// Proofs over `store`, the tree's upper levels from the broker's memory.
    let receipts: LogReceipts
    /// Most entries one page returns (`Broker.Limits.maxPageSize`).
    let maxPageSize: Int

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("entries", use: entries)
        group.get("proof/inclusion", use: inclusion)
        group.get("proof/consistency", use: consistency)
    }

    struct Entries: Encodable {
        struct Item: Encodable {
            let index: UInt64
            let entry: String
            /// A v2 entry's opening, while it has one: what lets an auditor read it.
            let opening: JSONValue?
        }
        let entries: [Item]
    }

    @Sendable func entries(_ request: Request, context: AppRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let start = try Self.number("start", in: request) ?? 0
        let limit = try Self.number("limit", in: request) ?? UInt64(maxPageSize)
        guard (1...UInt64(maxPageSize)).contains(limit) else {
            throw Problem.invalid("limit", "must be between 1 and \(maxPageSize)")
        }
        let consentId = try query.get("consentId").map { text in
            do { return try ConsentID(String(text)) } catch { throw Problem.invalid("consentId", "is not a consent id") }
        }
        let personId = try query.get("personId").map { text in
            do throws(DomainError) { return try PersonID(String(text)) } catch { throw Problem.invalid("personId", error.description) }
        }
        let bankOrg = try query.get("bankOrg").map { text in
            do throws(DomainError) { return try OrgNumber(String(text)) } catch { throw Problem.invalid("bankOrg", error.description) }
        }
        let rows = try await store.logEntries(LogQuery(start: start, limit: Int(limit), consentId: consentId, personId: personId, bankOrg: bankOrg))
        let opened = rows.filter { EntryBundleWriter.isPublic($0.leaf) }.map(\.index)
        let openings = Dictionary(try await store.openings(at: opened, about: nil).map { ($0.index, $0.json) }, uniquingKeysWith: { a, _ in a })
        return try JSONIO.response(Entries(entries: rows.map {
            Entries.Item(index: $0.index, entry: Data($0.leaf).base64EncodedString(), opening: openings[$0.index])
        }))
    }

    struct InclusionProof: Encodable {
        let index: UInt64
        let treeSize: UInt64
        let hashes: [String]
    }

    @Sendable func inclusion(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let index = try Self.number("index", in: request) else { throw Problem.invalid("index", "is required") }
        guard let treeSize = try Self.number("treeSize", in: request) else { throw Problem.invalid("treeSize", "is required") }
        let size = try await store.logHead().size
        guard treeSize <= size else { throw Problem.invalid("treeSize", "is larger than the log (\(size))") }
        guard index < treeSize else { throw Problem.invalid("index", "must be below treeSize") }
        let proof = try await receipts.inclusionProof(index: index, treeSize: treeSize)
        return try JSONIO.response(InclusionProof(index: index, treeSize: treeSize, hashes: proof.map(\.base64)))
    }

    struct ConsistencyProof: Encodable {
        let from: UInt64
        let to: UInt64
        let hashes: [String]
    }

    @Sendable func consistency(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let from = try Self.number("from", in: request) else { throw Problem.invalid("from", "is required") }
        guard let to = try Self.number("to", in: request) else { throw Problem.invalid("to", "is required") }
        let size = try await store.logHead().size
        guard to <= size else { throw Problem.invalid("to", "is larger than the log (\(size))") }
        guard from <= to else { throw Problem.invalid("from", "must not exceed to") }
        let proof = try await receipts.consistencyProof(from: from, to: to)
        return try JSONIO.response(ConsistencyProof(from: from, to: to, hashes: proof.map(\.base64)))
    }

    /// A non-negative integer query parameter. Capped at `Int64.max`, the largest index SQLite
    /// stores, so no value a client sends can overflow on the way to the database. Which parameters
    /// a route accepts at all is `RequestShapeMiddleware`'s business.
    static func number(_ name: String, in request: Request) throws -> UInt64? {
        guard let text = request.uri.queryParameters.get(name) else { return nil }
        guard text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int64(text) else {
            throw Problem.invalid(name, "must be an integer from 0 to \(Int64.max)")
        }
        return UInt64(value)
    }
}
