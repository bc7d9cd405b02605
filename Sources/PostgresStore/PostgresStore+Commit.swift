import Foundation
import NIOCore
import PostgresNIO
import SamtykkeCore
import SamtykkeStore
import TransparencyLog

// MARK: ChangeCommitting
extension PostgresStore {
    /// One transaction: lock the head, load what `BatchPlan` needs under row locks, let it decide,
    /// write its rows, and prove its receipts against the new tree before committing. Nothing here
    /// decides anything; the plan does, the same for every backend.
    public func commit(_ changes: [Change], at now: Date, signer: any CheckpointSigning) async throws -> CommittedBatch {
        try await transaction("commit a batch of changes") { connection in
            let plan = try BatchPlan(changes, inputs: try await batchInputs(for: changes, at: now, on: connection), at: now, signer: signer)
            try await write(plan, at: now, on: connection)
            let indexes = plan.receiptIndexes
            guard !indexes.isEmpty else { return try plan.committed(proofs: [:]) }
            let proofs: [UInt64: [Hash]] = try await PrefetchedSubtrees.compute(
                { source in
                    try Dictionary(uniqueKeysWithValues: indexes.map { index in
                        (index, try MerkleTree.inclusionProof(index: index, size: plan.size, source: source))
                    })
                },
                fetch: { nodes in try await self.subtreeHashes(nodes, on: connection) }
            )
            return try plan.committed(proofs: proofs)
        }
    }

    /// Everything the plan reads, locked until the commit: the head row first (it serialises every
    /// log writer), then the acted-on consents, due consents (skipping any another transaction holds),
    /// and the claims the batch completes.
    private func batchInputs(for changes: [Change], at now: Date, on connection: PostgresConnection) async throws -> BatchInputs {
        guard let head = try await connection.execute(LockLogHeadStatement(), logger: logger).onlyRow() else {
            throw StorageError.corrupt("the log head row is missing")
        }
        let size = UInt64(head.size)
        let edge = MerkleTreeBuilder.rightEdgeNodes(size: size).map { SubtreeCoordinate(level: $0.level, index: $0.index) }
        let edgeHashes = try await subtreeHashes(edge, on: connection)

        var consents: [ConsentID: Consent] = [:]
        let ids = Set(BatchPlan.consentIDs(in: changes).map(\.description)).sorted()
        if !ids.isEmpty {
            for try await row in try await connection.execute(LockConsentsStatement(ids: ids), logger: logger) {
                let consent = try row.consent()
                consents[consent.id] = consent
            }
        }

        var due: [Consent] = []
        let sweepLimit = BatchPlan.sweepLimit(in: changes)
        if sweepLimit > 0 {
            for try await row in try await connection.execute(DueConsentsStatement(now: now, limit: sweepLimit), logger: logger) {
                due.append(try row.consent())
            }
        }

        var registeredBanks: Set<OrgNumber> = []
        let banks = BatchPlan.banks(in: changes).map(\.digits)
        if !banks.isEmpty {
            for try await org in try await connection.query("SELECT org FROM bank WHERE org = ANY(\(banks))", logger: logger).decode(String.self) {
                if let org = try? OrgNumber(org) { registeredBanks.insert(org) }
            }
        }

        var claimTokens: [IdempotencyRecordID: String] = [:]
        let claims = BatchPlan.claims(in: changes)
        if !claims.isEmpty {
            let rows = try await connection.query(
                """
                SELECT bankOrg, key, token FROM idempotencyKey
                WHERE (bankOrg, key) IN (SELECT * FROM UNNEST(\(claims.map(\.bank.digits))::text[], \(claims.map(\.key))::text[]))
                    AND state = 'pending'
                ORDER BY bankOrg, key
                FOR UPDATE
                """,
                logger: logger
            )
            for try await (bank, key, token) in rows.decode((String, String, String).self) {
                if let bank = try? OrgNumber(bank) { claimTokens[IdempotencyRecordID(bank: bank, key: key)] = token }
            }
        }

        return BatchInputs(
            size: size,
            rightEdge: edge.compactMap { edgeHashes[$0] },
            checkpoint: try Self.checkpoint(size: head.size, rootHash: head.rootHash, note: head.signedNote),
            consents: consents,
            due: due,
            registeredBanks: registeredBanks,
            claimTokens: claimTokens,
            claimRecords: [:] // TEMP until the postgres branch lands claimRecords
        )
    }

    /// The plan's rows, each kind in one statement where it can be (claims are few and differ in shape).
    private func write(_ plan: BatchPlan, at now: Date, on connection: PostgresConnection) async throws {
        if !plan.insertedConsents.isEmpty {
            try await run(InsertConsentsStatement(consents: plan.insertedConsents), on: connection)
        }
        let updated = plan.updatedConsents
        if !updated.isEmpty {
            try await run(UpdateConsentsStatement(consents: updated), on: connection)
        }
        if plan.appended, let checkpoint = plan.checkpoint {
            try await run(InsertEntriesStatement(entries: plan.entries), on: connection)
            try await run(InsertNodesStatement(nodes: plan.nodes), on: connection)
            try await connection.query("UPDATE logHead SET size = \(Int64(plan.size)) WHERE id = 1", logger: logger)
            try await connection.query(
                """
                INSERT INTO checkpoint (size, rootHash, signedNote, createdAt)
                VALUES (\(Int64(checkpoint.size)), \(ByteBuffer(bytes: checkpoint.rootHash.bytes)), \(checkpoint.note), \(now))
                """,
                logger: logger
            )
        }
        for completion in plan.completions {
            let key = completion.claim.key
            let (kind, consentId, sealedBundle, logIndex): (String, ConsentID, ByteBuffer?, Int64?) = switch completion.result {
            case .consentCreated(let id): ("consent", id, nil, nil)
            case .bundleIssued(let id, let sealed, let index): ("bundle", id, ByteBuffer(bytes: sealed), Int64(index))
            }
            try await connection.query(
                """
                UPDATE idempotencyKey SET state = 'done', resultKind = \(kind), consentId = \(consentId.description),
                    sealedBundle = \(sealedBundle), logIndex = \(logIndex), completedAt = \(now)
                WHERE bankOrg = \(key.bank.digits) AND key = \(key.key) AND token = \(completion.claim.token) AND state = 'pending'
                """,
                logger: logger
            )
        }
        for claim in plan.releases {
            try await release(claim, on: connection)
        }
    }

    /// Runs a statement that returns no rows, to its completion.
    private func run<Statement: PostgresPreparedStatement>(_ statement: Statement, on connection: PostgresConnection) async throws
    where Statement.Row == () {
        let _: String = try await connection.execute(statement, logger: logger)
    }
}
