import Foundation
import NIOCore
import PostgresNIO
import SamtykkeCore
import SamtykkeStore

// MARK: OpeningStore
extension PostgresStore {
    public func openingsPage(from start: UInt64, limit: Int) async throws -> OpeningsPage.Writer {
        let rows = try await mapErrors("read openings") {
            try await client.query(
                """
                SELECT o.idx, o.salt, o.private, k.key FROM entryOpening o LEFT JOIN subjectKey k ON k.personId = o.personId
                WHERE o.idx >= \(Int64(clamping: start)) ORDER BY o.idx LIMIT \(max(0, limit))
                """,
                logger: logger
            ).collect()
        }
        var page = OpeningsPage.Writer(expecting: max(0, limit))
        for row in rows {
            let (index, salt, privateJSON, key) = try row.decode((Int64, ByteBuffer, ByteBuffer, ByteBuffer?).self)
            try salt.withUnsafeReadableBytes { salt in
                try privateJSON.withUnsafeReadableBytes { privateJSON in
                    guard let key else { return try page.appendStored(index: index, salt: salt, privateJSON: privateJSON, subjectKey: nil) }
                    try key.withUnsafeReadableBytes { try page.appendStored(index: index, salt: salt, privateJSON: privateJSON, subjectKey: $0) }
                }
            }
        }
        return page
    }

    public func openings(at indexes: [UInt64], about person: PersonID?) async throws -> [EntryOpening] {
        guard !indexes.isEmpty else { return [] }
        let wanted = indexes.map { Int64(clamping: $0) }
        return try await mapErrors("read openings") {
            if let person {
                return try await openings(client.query(
                    "SELECT idx, type, salt, private FROM entryOpening WHERE idx = ANY(\(wanted)) AND personId = \(person.digits) ORDER BY idx",
                    logger: logger
                ))
            }
            return try await openings(client.query(
                "SELECT idx, type, salt, private FROM entryOpening WHERE idx = ANY(\(wanted)) ORDER BY idx", logger: logger
            ))
        }
    }

    public func subjectKey(of person: PersonID) async throws -> SubjectKey? {
        let key = try await mapErrors("read a subject key") {
            try await client.query("SELECT key FROM subjectKey WHERE personId = \(person.digits)", logger: logger).decode(ByteBuffer.self).onlyRow()
        }
        return try key.map { bytes in
            do { return try SubjectKey(bytes: Array(bytes.readableBytesView)) } catch { throw StoreFailure.corrupt("the subject key of a person is malformed") }
        }
    }

    private func openings(_ rows: PostgresRowSequence) async throws -> [EntryOpening] {
        // Collected, then decoded (see `events(_:)`).
        try await rows.collect().map { row in
            let (index, type, salt, privateJSON) = try row.decode((Int64, String, ByteBuffer, ByteBuffer).self)
            return try EntryOpening(
                index: UInt64(index), type: type, salt: Array(salt.readableBytesView), privateJSON: Array(privateJSON.readableBytesView)
            )
        }
    }

    /// The tags and subject keys of the parties `inputs` may log about, under the commit's head lock.
    func loadLogKeys(into inputs: inout BatchInputs, for changes: [Change], on connection: PostgresConnection) async throws {
        let parties = inputs.partiesToLog(in: changes)
        if !parties.consents.isEmpty {
            let ids = parties.consents.map(\.description)
            for try await (id, tag) in try await connection.query("SELECT consentId, tag FROM consentTag WHERE consentId = ANY(\(ids))", logger: logger)
                .decode((String, ByteBuffer).self)
            {
                do { inputs.consentTags[try ConsentID(id)] = try ConsentTag(bytes: Array(tag.readableBytesView)) } catch {
                    throw StoreFailure.corrupt("the tag of consent \(id) is malformed")
                }
            }
        }
        if !parties.people.isEmpty {
            let people = parties.people.map(\.digits)
            for try await (person, key) in try await connection.query("SELECT personId, key FROM subjectKey WHERE personId = ANY(\(people))", logger: logger)
                .decode((String, ByteBuffer).self)
            {
                do { inputs.subjectKeys[try PersonID(person)] = try SubjectKey(bytes: Array(key.readableBytesView)) } catch {
                    throw StoreFailure.corrupt("a subject key is malformed")
                }
            }
        }
    }

    /// The plan's new tags, subject keys and openings, in the transaction that writes its entries.
    func writeLogKeys(_ plan: BatchPlan, on connection: PostgresConnection) async throws {
        if !plan.newConsentTags.isEmpty {
            let ids = plan.newConsentTags.map(\.consent.description), tags = plan.newConsentTags.map { ByteBuffer(bytes: $0.tag.bytes) }
            try await connection.query("INSERT INTO consentTag (consentId, tag) SELECT * FROM UNNEST(\(ids)::text[], \(tags)::bytea[])", logger: logger)
        }
        if !plan.newSubjectKeys.isEmpty {
            let people = plan.newSubjectKeys.map(\.person.digits), keys = plan.newSubjectKeys.map { ByteBuffer(bytes: $0.key.bytes) }
            try await connection.query("INSERT INTO subjectKey (personId, key) SELECT * FROM UNNEST(\(people)::text[], \(keys)::bytea[])", logger: logger)
        }
        let rows = try plan.openings.map { try $0.row() }
        if !rows.isEmpty {
            // consent.forgotten's opening names no one: empty here, NULL in the table.
            try await connection.query(
                """
                INSERT INTO entryOpening (idx, type, consentId, personId, bankOrg, salt, private)
                SELECT idx, type, NULLIF(consentId, ''), NULLIF(personId, ''), NULLIF(bankOrg, ''), salt, private
                FROM UNNEST(\(rows.map { Int64($0.index) })::bigint[], \(rows.map(\.type))::text[], \(rows.map { $0.consentId ?? "" })::text[],
                    \(rows.map { $0.personId ?? "" })::text[], \(rows.map { $0.bankOrg ?? "" })::text[],
                    \(rows.map { ByteBuffer(bytes: $0.salt) })::bytea[], \(rows.map { ByteBuffer(bytes: $0.privateJSON) })::bytea[])
                    AS opening (idx, type, consentId, personId, bankOrg, salt, private)
                ORDER BY idx
                """,
                logger: logger
            )
        }
    }
}
