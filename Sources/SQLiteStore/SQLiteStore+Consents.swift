import Foundation
import GRDB
import SamtykkeCore
import SamtykkeStore

extension SQLiteStore: ConsentStore {
    public func consent(_ id: ConsentID, for viewer: Viewer) async throws -> Consent {
        try await writer.read { db in
            if let consent = try Self.fetch(db, id) {
                guard viewer.sees(consent) else { throw StorageError.consentNotFound }
                return consent
            }
            if let forgotten = try Self.forgotten(db, id, for: viewer) { throw StorageError.consentForgotten(forgotten) }
            throw StorageError.consentNotFound
        }
    }

    public func consents(_ query: ConsentQuery) async throws -> [Consent] {
        try await writer.read { db in
            let (column, value) = query.viewer.column
            var request = ConsentRecord.filter(column == value)
            if let status = query.status { request = request.filter(ConsentRecord.Columns.status == status.rawValue) }
            if let reference = query.externalReference { request = request.filter(ConsentRecord.Columns.externalReference == reference.text) }
            let createdAt = ConsentRecord.Columns.createdAt
            let id = ConsentRecord.Columns.id
            if let after = query.after {
                // Keyset paging: the cursor consent's own (createdAt, id) bounds the page, if the viewer
                // may see it; one forgotten since the last page still has its place.
                guard let cursor = try Self.cursor(db, after, for: query.viewer) else { return [] }
                let cursorID = after.description
                request = switch query.order {
                case .newestFirst: request.filter(createdAt < cursor || (createdAt == cursor && id > cursorID))
                case .oldestFirst: request.filter(createdAt > cursor || (createdAt == cursor && id > cursorID))
                }
            }
            request = switch query.order {
            case .newestFirst: request.order(createdAt.desc, id)
            case .oldestFirst: request.order(createdAt, id)
            }
            return try request.limit(query.limit).fetchAll(db).map { try $0.consent() }
        }
    }

    /// When the cursor consent was created, if `viewer` may see it, live or forgotten.
    private static func cursor(_ db: Database, _ id: ConsentID, for viewer: Viewer) throws -> Date? {
        if let consent = try fetch(db, id) { return viewer.sees(consent) ? consent.createdAt : nil }
        return try forgotten(db, id, for: viewer)?.createdAt
    }

    static func fetch(_ db: Database, _ id: ConsentID) throws -> Consent? {
        try ConsentRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM consent WHERE id = ?"), arguments: [id.description])?.consent()
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
