import Foundation
import GRDB
import SamtykkeCore
import SamtykkeStore
import TransparencyLog

extension SQLiteStore: LogStore {
    public func logEntries(_ query: LogQuery) async throws -> [StoredEntry] {
        try await writer.read { db in
            var sql = "SELECT idx, leaf FROM auditEntry WHERE idx >= ?"
            var arguments: StatementArguments = [Int64(clamping: query.start)]
            // v1 rows name their parties, v2 entries through their openings: `entryParty` holds both.
            if let consentId = query.consentId { sql += " AND idx IN (SELECT idx FROM entryParty WHERE consentId = ?)"; arguments += [consentId.description] }
            if let personId = query.personId { sql += " AND idx IN (SELECT idx FROM entryParty WHERE personId = ?)"; arguments += [personId.digits] }
            if let bankOrg = query.bankOrg { sql += " AND idx IN (SELECT idx FROM entryParty WHERE bankOrg = ?)"; arguments += [bankOrg.digits] }
            sql += " ORDER BY idx LIMIT ?"
            arguments += [query.limit]
            // A statement prepared once, columns by position, rows not copied first: an auditor reads
            // the log a bundle of 256 entries at a time, thousands of times over.
            var entries: [StoredEntry] = []
            try StatementColumns.forEachRow(of: db.cachedStatement(sql: sql), arguments: arguments) { row in
                let index = UInt64(row.int64(0))
                guard let leaf = row.blob(1) else { throw StoreFailure.corrupt("entry \(index) has no leaf") }
                entries.append(StoredEntry(index: index, leaf: Array(leaf)))
            }
            return entries
        }
    }

    public func entryBundle(start: UInt64, count: Int) async throws -> EntryBundleWriter {
        try await writer.read { db in
            var bundle = EntryBundleWriter(first: start, expecting: max(0, count))
            try StatementColumns.forEachRow(
                of: db.cachedStatement(sql: "SELECT idx, leaf FROM auditEntry WHERE idx >= ? ORDER BY idx LIMIT ?"),
                arguments: [Int64(clamping: start), max(0, count)]
            ) { row in
                let index = row.int64(0)
                guard let leaf = row.blob(1) else { throw StoreFailure.corrupt("entry \(index) has no leaf") }
                try bundle.appendStored(index: index, leaf: leaf)
            }
            return bundle
        }
    }

    public func logHead() async throws -> LogHead {
        try await writer.read { db in try Self.head(db) }
    }

    public func subtreeHashes(_ nodes: [SubtreeCoordinate]) async throws -> [SubtreeCoordinate: Hash] {
        try await writer.read { db in try Self.subtreeHashes(db, nodes) }
    }

    public func subtreeHashes(level: Int, first: UInt64, count: Int) async throws -> [Hash] {
        try await writer.read { db in
            var run = SubtreeRun(level: level, first: first, count: count)
            try StatementColumns.forEachRow(
                of: db.cachedStatement(sql: "SELECT idx, hash FROM merkleNode WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx"),
                arguments: [level, run.indexes.from, run.indexes.to]
            ) { row in
                try run.take(index: row.int64(0), hash: row.blob(1) ?? UnsafeRawBufferPointer(start: nil, count: 0))
            }
            return try run.complete()
        }
    }

    static func head(_ db: Database) throws -> LogHead {
        let size = UInt64(try Int64.fetchOne(db.cachedStatement(sql: "SELECT size FROM logHead WHERE id = 1")) ?? 0)
        let checkpoint = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT size, rootHash, signedNote FROM checkpoint WHERE size = ?"), arguments: [Int64(size)]
        )
            .map { row in
                guard let root = Hash(bytes: row["rootHash"] as Data) else { throw StoreFailure.corrupt("checkpoint \(size) has a malformed root") }
                return SignedCheckpoint(size: size, rootHash: root, note: row["signedNote"])
            }
        return LogHead(size: size, checkpoint: checkpoint)
    }

    /// Perfect-subtree hashes by primary key, in one statement; a missing one is `corrupt`.
    static func subtreeHashes(_ db: Database, _ nodes: [SubtreeCoordinate]) throws -> [SubtreeCoordinate: Hash] {
        guard !nodes.isEmpty else { return [:] }
        var hashes: [SubtreeCoordinate: Hash] = [:]
        // Bounded so the statement stays under SQLite's variable limit whatever the caller asks.
        for chunk in stride(from: 0, to: nodes.count, by: 400).map({ nodes[$0..<min($0 + 400, nodes.count)] }) {
            let placeholders = Array(repeating: "(?, ?)", count: chunk.count).joined(separator: ", ")
            var arguments = StatementArguments()
            for node in chunk { arguments += [node.level, Int64(clamping: node.index)] }
            // Cached by its text, so one compiled statement per count of nodes (a log's right edge
            // and its proofs take a few dozen counts at most).
            let rows = try Row.fetchAll(
                db.cachedStatement(sql: "WITH wanted(level, idx) AS (VALUES \(placeholders)) SELECT m.level, m.idx, m.hash FROM wanted JOIN merkleNode m USING (level, idx)"),
                arguments: arguments
            )
            for row in rows {
                guard let hash = Hash(bytes: row["hash"] as Data) else { throw StoreFailure.corrupt("a Merkle node holds a malformed hash") }
                hashes[SubtreeCoordinate(level: row["level"], index: UInt64(row["idx"] as Int64))] = hash
            }
        }
        _ = try hashes.stored(nodes)
        return hashes
    }
}
