import PostgresNIO
import SamtykkeCore
import SamtykkeStore

// MARK: ConsentStore
extension PostgresStore {
    public func consent(_ id: ConsentID, for viewer: Viewer) async throws -> Consent {
        let row = try await mapErrors("read a consent") {
            try await client.execute(ConsentByIDStatement(id: id.description), logger: logger).onlyRow()
        }
        if let consent = try row?.consent() {
            guard viewer.sees(consent) else { throw StorageError.consentNotFound }
            return consent
        }
        if let forgotten = try await forgottenConsent(id, for: viewer) { throw StorageError.consentForgotten(forgotten) }
        throw StorageError.consentNotFound
    }

    /// Keyset paging on (createdAt, id): a page starts after the cursor consent's place in the order,
    /// so pages neither skip nor repeat while new consents arrive. A cursor the viewer may not see
    /// gives an empty page, exactly like one that does not exist; one forgotten since the last page
    /// still has its place.
    public func consents(_ query: ConsentQuery) async throws -> [Consent] {
        let (column, value, forgottenSeen) = switch query.viewer {
        case .bank(let org): ("bankOrg", org.digits, "f.bankOrg = $1")
        case .citizen(let person): ("personId", person.digits, "EXISTS (SELECT 1 FROM entryParty WHERE consentId = f.id AND personId = $1)")
        }
        let (comparison, direction) = query.order == .newestFirst ? ("<", "DESC") : (">", "ASC")
        var bindings = PostgresBindings(capacity: 5)
        bindings.append(value)
        var sql = "SELECT \(ConsentRow.columns) FROM consent WHERE \(column) = $1"
        if let status = query.status {
            bindings.append(status.rawValue)
            sql += " AND status = $\(bindings.count)"
        }
        if let reference = query.externalReference {
            bindings.append(reference.text)
            sql += " AND externalReference = $\(bindings.count)"
        }
        if let after = query.after {
            bindings.append(after.description)
            let cursor = "$\(bindings.count)"
            sql += """
                 AND (createdAt, id) \(comparison) (SELECT createdAt, id FROM consent WHERE id = \(cursor) AND \(column) = $1
                    UNION ALL SELECT createdAt, id FROM forgottenConsent f WHERE id = \(cursor) AND \(forgottenSeen))
                """
        }
        bindings.append(max(0, query.limit))
        sql += " ORDER BY createdAt \(direction), id \(direction) LIMIT $\(bindings.count)"
        return try await mapErrors("list consents") {
            var consents: [Consent] = []
            for try await row in try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger) {
                consents.append(try ConsentRow.decode(row).consent())
            }
            return consents
        }
    }
}
