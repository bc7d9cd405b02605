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
    public func commit(_ changes: [Change], recording uses: [SingleUse], at now: Date, signer: any CheckpointSigning) async throws -> CommittedBatch {
        try await transaction("commit a batch of changes") { connection in
            var inputs = try await batchInputs(for: changes, at: now, on: connection)
            try await loadLogKeys(into: &inputs, for: changes, on: connection)
            let firstUses = try await record(uses, now: now, on: connection)
            let plan = try BatchPlan(changes, inputs: inputs, at: now, signer: signer)
            try await write(plan, at: now, on: connection)
            try await writeLogKeys(plan, on: connection)
            try await forget(plan.forgotten, at: now, on: connection)
            let proofs = try await PrefetchedSubtrees.compute(plan.receiptProofs, fetch: { nodes in try await self.subtreeHashes(nodes, on: connection) })
            return try plan.committed(proofs: proofs).recording(firstUses: firstUses)
        }
    }

    /// Everything the plan reads, locked until the commit: the head row first (it serialises every
    /// log writer), then the acted-on consents, due consents (skipping any another transaction holds),
    /// and the claims the batch completes.
    private func batchInputs(for changes: [Change], at now: Date, on connection: PostgresConnection) async throws -> BatchInputs {
        guard let head = try await connection.execute(LockLogHeadStatement(), logger: logger).onlyRow() else {
            throw StoreFailure.corrupt("the log head row is missing")
        }
        let size = UInt64(head)
        let checkpoint = try await connection.query("SELECT rootHash, signedNote FROM checkpoint WHERE size = \(head)", logger: logger)
            .decode((ByteBuffer, String).self).onlyRow()
        let edge = SubtreeCoordinate.rightEdge(size: size)
        let rightEdge = try await subtreeHashes(edge, on: connection).stored(edge)

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

        var ended: [Consent] = []
        if let forgetting = BatchPlan.forgetting(in: changes), forgetting.limit > 0 {
            let statement = EndedConsentsStatement(endedBefore: forgetting.endedBefore, limit: forgetting.limit)
            for try await row in try await connection.execute(statement, logger: logger) {
                ended.append(try row.consent())
            }
        }

        var registeredBanks: Set<OrgNumber> = []
        let banks = BatchPlan.banks(in: changes).map(\.digits)
        if !banks.isEmpty {
            for try await org in try await connection.query("SELECT org FROM bank WHERE org = ANY(\(banks))", logger: logger).decode(String.self) {
                if let org = try? OrgNumber(org) { registeredBanks.insert(org) }
            }
        }

        // The claims changes complete and the keys they claim, in one statement: completing needs the
        // current token of a pending claim, claiming the whole record.
        var claimTokens: [IdempotencyRecordID: String] = [:]
        var claimRecords: [IdempotencyRecordID: IdempotencyRecord] = [:]
        let completing = Set(BatchPlan.claims(in: changes))
        let claiming = Set(BatchPlan.claimedKeys(in: changes))
        let keys = completing.union(claiming).sorted { ($0.bank.digits, $0.key) < ($1.bank.digits, $1.key) }
        if !keys.isEmpty {
            let rows = try await connection.query(
                """
                SELECT \(unescaped: IdempotencyRow.columns) FROM idempotencyKey
                WHERE (bankOrg, key) IN (SELECT * FROM UNNEST(\(keys.map(\.bank.digits))::text[], \(keys.map(\.key))::text[]))
                ORDER BY bankOrg, key
                FOR UPDATE
                """,
                logger: logger
            )
            for try await row in rows {
                let stored = try IdempotencyRow(row)
                if completing.contains(stored.id), let token = stored.pendingToken { claimTokens[stored.id] = token }
                if claiming.contains(stored.id) { claimRecords[stored.id] = stored.record }
            }
        }

        var inputs = BatchInputs(
            size: size,
            rightEdge: rightEdge,
            checkpoint: try Self.checkpoint(size: head, rootHash: checkpoint?.0, note: checkpoint?.1),
            consents: consents,
            due: due,
            registeredBanks: registeredBanks,
            claimTokens: claimTokens,
            claimRecords: claimRecords
        )
        inputs.ended = ended
        return inputs
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
            let events = plan.events
            if !events.isEmpty { try await run(InsertEventsStatement(events: events), on: connection) }
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
            let result = IdempotencyRow.columns(of: completion.result)
            try await connection.query(
                """
                UPDATE idempotencyKey SET state = 'done', resultKind = \(result.kind), consentId = \(result.consentId),
                    sealedBundle = \(result.sealedBundle), logIndex = \(result.logIndex), completedAt = \(now)
                WHERE bankOrg = \(key.bank.digits) AND key = \(key.key) AND token = \(completion.claim.token) AND state = 'pending'
                """,
                logger: logger
            )
        }
        // Keys claimed and finished in this transaction; a row still there was forgotten (the plan
        // decided so under its lock) and gives way.
        for (key, finished) in plan.claimed {
            let result = IdempotencyRow.columns(of: finished)
            try await connection.query("DELETE FROM idempotencyKey WHERE bankOrg = \(key.bank.digits) AND key = \(key.key)", logger: logger)
            try await connection.query(
                """
                INSERT INTO idempotencyKey
                    (bankOrg, key, requestHash, state, token, resultKind, consentId, sealedBundle, logIndex, createdAt, completedAt)
                VALUES (\(key.bank.digits), \(key.key), \(ByteBuffer(bytes: key.requestHash)), 'done', \(IdempotencyClaim.newToken()),
                    \(result.kind), \(result.consentId), \(result.sealedBundle), \(result.logIndex), \(now), \(now))
                """,
                logger: logger
            )
        }
        for claim in plan.releases {
            try await release(claim, on: connection)
        }
        let purged = plan.purgedBundleRecords.map(\.description)
        if !purged.isEmpty {
            try await connection.query("DELETE FROM idempotencyKey WHERE resultKind = 'bundle' AND consentId = ANY(\(purged))", logger: logger)
        }
    }

    /// Runs a statement that returns no rows, to its completion. Drains the (empty) row sequence
    /// instead of asking for the command tag, which postgres-nio 1.33 traps on for a prepared
    /// statement whose result it still treats as a row stream.
    private func run<Statement: PostgresPreparedStatement>(_ statement: Statement, on connection: PostgresConnection) async throws
    where Statement.Row == () {
        for try await _ in try await connection.execute(statement, logger: logger) {}
    }
}
