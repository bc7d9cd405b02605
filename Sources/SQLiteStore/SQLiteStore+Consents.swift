import Foundation
import GRDB
import SamtykkeCore
import SamtykkeStore

extension SQLiteStore: ConsentStore {
    public func consent(_ id: ConsentID, for viewer: Viewer) async throws -> Consent {
        try await writer.read { db in
            guard let consent = try Self.fetch(db, id), viewer.sees(consent) else { throw StorageError.consentNotFound }
            return consent
        }
    }

    public func consents(_ query: ConsentQuery) async throws -> [Consent] {
        try await writer.read { db in
            let (column, value) = query.viewer.column
            var request = ConsentRecord.filter(column == value)
            if let status = query.status { request = request.filter(ConsentRecord.Columns.status == status.rawValue) }
            let createdAt = ConsentRecord.Columns.createdAt
            let id = ConsentRecord.Columns.id
            if let after = query.after {
                // Keyset paging: the cursor consent's own (createdAt, id) bounds the page, if the viewer may see it.
                guard let cursor = try Self.fetch(db, after), query.viewer.sees(cursor) else { return [] }
                let cursorID = cursor.id.description
                request = switch query.order {
                case .newestFirst: request.filter(createdAt < cursor.createdAt || (createdAt == cursor.createdAt && id > cursorID))
                case .oldestFirst: request.filter(createdAt > cursor.createdAt || (createdAt == cursor.createdAt && id > cursorID))
                }
            }
            request = switch query.order {
            case .newestFirst: request.order(createdAt.desc, id)
            case .oldestFirst: request.order(createdAt, id)
            }
            return try request.limit(query.limit).fetchAll(db).map { try $0.consent() }
        }
    }

    static func fetch(_ db: Database, _ id: ConsentID) throws -> Consent? {
        try ConsentRecord.fetchOne(db, key: id.description)?.consent()
    }
}

extension Viewer {
    var column: (Column, String) {
        switch self {
        case .bank(let org): (ConsentRecord.Columns.bankOrg, org.digits)
        case .citizen(let person): (ConsentRecord.Columns.personId, person.digits)
        }
    }
}
