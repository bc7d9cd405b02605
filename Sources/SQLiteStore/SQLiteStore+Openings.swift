import Foundation
import GRDB
import SamtykkeCore
import SamtykkeStore

extension SQLiteStore: OpeningStore {
    public func openingsPage(from start: UInt64, limit: Int) async throws -> OpeningsPage.Writer {
        try await writer.read { db in
            var page = OpeningsPage.Writer(expecting: max(0, limit))
            // Columns by position and blobs where SQLite keeps them, written into the page as they are.
            // A missing salt or private part (NULL, which no stored opening has) is written as no bytes.
            let none = UnsafeRawBufferPointer(start: nil, count: 0)
            try StatementColumns.forEachRow(
                of: db.cachedStatement(sql: """
                    SELECT o.idx, o.salt, o.private, k.key FROM entryOpening o LEFT JOIN subjectKey k ON k.personId = o.personId
                    WHERE o.idx >= ? ORDER BY o.idx LIMIT ?
                    """),
                arguments: [Int64(clamping: start), max(0, limit)]
            ) { row in
                try page.appendStored(index: row.int64(0), salt: row.blob(1) ?? none, privateJSON: row.blob(2) ?? none, subjectKey: row.blob(3))
            }
            return page
        }
    }

    public func openings(at indexes: [UInt64], about person: PersonID?) async throws -> [EntryOpening] {
        guard !indexes.isEmpty else { return [] }
        return try await writer.read { db in
            var openings: [EntryOpening] = []
            for chunk in stride(from: 0, to: indexes.count, by: 400).map({ indexes[$0..<min($0 + 400, indexes.count)] }) {
                var sql = "SELECT idx, type, salt, private FROM entryOpening WHERE idx IN (\(Array(repeating: "?", count: chunk.count).joined(separator: ", ")))"
                var arguments = StatementArguments(chunk.map { Int64(clamping: $0) })
                if let person {
                    sql += " AND personId = ?"
                    arguments += [person.digits]
                }
                openings += try Self.openings(db, sql: sql + " ORDER BY idx", arguments)
            }
            return openings
        }
    }

    public func subjectKey(of person: PersonID) async throws -> SubjectKey? {
        try await writer.read { db in
            try Data.fetchOne(db, sql: "SELECT key FROM subjectKey WHERE personId = ?", arguments: [person.digits]).map { key in
                do { return try SubjectKey(bytes: Array(key)) } catch { throw StoreFailure.corrupt("the subject key of a person is malformed") }
            }
        }
    }

    private static func openings(_ db: Database, sql: String, _ arguments: StatementArguments) throws -> [EntryOpening] {
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map(opening)
    }

    private static func opening(_ row: Row) throws -> EntryOpening {
        try EntryOpening(
            index: UInt64(row["idx"] as Int64), type: row["type"], salt: Array(row["salt"] as Data), privateJSON: Array(row["private"] as Data)
        )
    }

    /// The tags and subject keys of the parties `inputs` may log about, inside the commit's transaction.
    static func loadLogKeys(_ db: Database, into inputs: inout BatchInputs, for changes: [Change]) throws {
        let parties = inputs.partiesToLog(in: changes)
        let tag = try db.cachedStatement(sql: "SELECT tag FROM consentTag WHERE consentId = ?")
        for id in parties.consents {
            if let bytes = try Data.fetchOne(tag, arguments: [id.description]) {
                do { inputs.consentTags[id] = try ConsentTag(bytes: Array(bytes)) } catch { throw StoreFailure.corrupt("the tag of consent \(id) is malformed") }
            }
        }
        let key = try db.cachedStatement(sql: "SELECT key FROM subjectKey WHERE personId = ?")
        for person in parties.people {
            if let bytes = try Data.fetchOne(key, arguments: [person.digits]) {
                do { inputs.subjectKeys[person] = try SubjectKey(bytes: Array(bytes)) } catch { throw StoreFailure.corrupt("a subject key is malformed") }
            }
        }
    }

    /// The plan's new tags, subject keys and openings, in the transaction that writes its entries.
    static func writeLogKeys(_ db: Database, _ plan: BatchPlan) throws {
        let tag = try db.cachedStatement(sql: "INSERT INTO consentTag (consentId, tag) VALUES (?, ?)")
        for (consent, value) in plan.newConsentTags { try tag.execute(arguments: [consent.description, Data(value.bytes)]) }
        let key = try db.cachedStatement(sql: "INSERT INTO subjectKey (personId, key) VALUES (?, ?)")
        for (person, value) in plan.newSubjectKeys { try key.execute(arguments: [person.digits, Data(value.bytes)]) }
        let opening = try db.cachedStatement(sql: """
            INSERT INTO entryOpening (idx, type, consentId, personId, bankOrg, salt, private) VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        for row in try plan.openings.map({ try $0.row() }) {
            try opening.execute(arguments: [
                Int64(row.index), row.type, row.consentId, row.personId, row.bankOrg, Data(row.salt), Data(row.privateJSON),
            ])
        }
    }
}
