import NIOCore
import PostgresNIO
import SamtykkeCore
import SamtykkeStore
import TransparencyLog

// MARK: LogStore
extension PostgresStore {
    public func logEntries(_ query: LogQuery) async throws -> [StoredEntry] {
        // Only the filters asked for go into the SQL, so the planner can use each one's index.
        var bindings = PostgresBindings(capacity: 5)
        bindings.append(Int64(clamping: query.start))
        var sql = "SELECT idx, leaf FROM auditEntry WHERE idx >= $1"
        for (column, value) in [("consentId", query.consentId?.description), ("personId", query.personId?.digits), ("bankOrg", query.bankOrg?.digits)] {
            guard let value else { continue }
            bindings.append(value)
            // v1 rows name their parties, v2 entries through their openings: `entryParty` holds both.
            sql += " AND idx IN (SELECT idx FROM entryParty WHERE \(column) = $\(bindings.count))"
        }
        bindings.append(max(0, query.limit))
        sql += " ORDER BY idx LIMIT $\(bindings.count)"
        return try await mapErrors("read log entries") {
            // Collected, then decoded (see `events(_:)`). The prepared statements below iterate their
            // rows as they arrive: the compiler crash is in a plain query's decoding row sequence only.
            return try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger).collect().map { row in
                let (index, leaf) = try row.decode((Int64, ByteBuffer).self)
                return StoredEntry(index: UInt64(index), leaf: Array(leaf.readableBytesView))
            }
        }
    }

    public func entryBundle(start: UInt64, count: Int) async throws -> EntryBundleWriter {
        try await mapErrors("read log entries") {
            var bundle = EntryBundleWriter(first: start, expecting: max(0, count))
            for try await row in try await client.execute(EntryBundleStatement(start: Int64(clamping: start), count: Int64(max(0, count))), logger: logger) {
                try row.bytes.withUnsafeReadableBytes { try bundle.appendStored(index: row.index, leaf: $0) }
            }
            return bundle
        }
    }

    public func logHead() async throws -> LogHead {
        let row = try await mapErrors("read the log head") {
            try await client.query(
                "SELECT h.size, c.rootHash, c.signedNote FROM logHead h LEFT JOIN checkpoint c ON c.size = h.size WHERE h.id = 1",
                logger: logger
            ).decode((Int64, ByteBuffer?, String?).self).onlyRow()
        }
        guard let row else { throw StoreFailure.corrupt("the log head row is missing") }
        return LogHead(size: UInt64(row.0), checkpoint: try Self.checkpoint(size: row.0, rootHash: row.1, note: row.2))
    }

    public func subtreeHashes(_ nodes: [SubtreeCoordinate]) async throws -> [SubtreeCoordinate: Hash] {
        try await mapErrors("read Merkle nodes") {
            try await client.withConnection { connection in try await self.subtreeHashes(nodes, on: connection) }
        }
    }

    public func subtreeHashes(level: Int, first: UInt64, count: Int) async throws -> [Hash] {
        var run = SubtreeRun(level: level, first: first, count: count)
        let statement = SubtreeRunStatement(level: Int32(clamping: level), from: run.indexes.from, to: run.indexes.to)
        return try await mapErrors("read Merkle nodes") {
            for try await row in try await client.execute(statement, logger: logger) {
                try run.take(index: row.index, hash: row.bytes.readableBytesView)
            }
            return try run.complete()
        }
    }

    /// Stored perfect-subtree hashes on `connection` (inside a commit's transaction, its own writes
    /// included), in one round trip; a missing node is `corrupt`.
    func subtreeHashes(_ nodes: [SubtreeCoordinate], on connection: PostgresConnection) async throws -> [SubtreeCoordinate: Hash] {
        guard !nodes.isEmpty else { return [:] }
        var hashes: [SubtreeCoordinate: Hash] = [:]
        for try await row in try await connection.execute(SubtreeHashesStatement(nodes), logger: logger) {
            let coordinate = SubtreeCoordinate(level: row.level, index: UInt64(row.index))
            guard let hash = Hash(bytes: row.hash.readableBytesView) else {
                throw StoreFailure.corrupt("the Merkle node at level \(row.level), index \(row.index) is not 32 bytes")
            }
            hashes[coordinate] = hash
        }
        _ = try hashes.stored(nodes)
        return hashes
    }

    /// The checkpoint row joined to a head of `size`: none only for the empty log.
    static func checkpoint(size: Int64, rootHash: ByteBuffer?, note: String?) throws(StoreFailure) -> SignedCheckpoint? {
        guard size > 0 else { return nil }
        guard let rootHash, let note, let root = Hash(bytes: rootHash.readableBytesView) else {
            throw .corrupt("no checkpoint is stored for the log's size \(size)")
        }
        return SignedCheckpoint(size: UInt64(size), rootHash: root, note: note)
    }
}
