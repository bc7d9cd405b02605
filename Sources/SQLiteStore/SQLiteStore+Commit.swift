import Foundation
import GRDB
import Synchronization
import SamtykkeCore
import SamtykkeStore
import TransparencyLog

extension SQLiteStore: ChangeCommitting {
    public func commit(_ changes: [Change], recording uses: [SingleUse], at now: Date, signer: any CheckpointSigning) async throws -> CommittedBatch {
        let committed = try await writer.write { db in
            let head = try Self.head(db)
            let edge = SubtreeCoordinate.rightEdge(size: head.size)
            var consents: [ConsentID: Consent] = [:]
            for id in BatchPlan.consentIDs(in: changes) where consents[id] == nil {
                consents[id] = try Self.fetch(db, id)
            }
            var inputs = BatchInputs(
                size: head.size,
                rightEdge: try Self.subtreeHashes(db, edge).stored(edge),
                checkpoint: head.checkpoint,
                consents: consents,
                due: try Self.due(db, now: now, limit: BatchPlan.sweepLimit(in: changes)),
                registeredBanks: try Self.registered(db, BatchPlan.banks(in: changes)),
                claimTokens: try Self.claimTokens(db, BatchPlan.claims(in: changes)),
                claimRecords: try Self.records(db, BatchPlan.claimedKeys(in: changes))
            )
            if let forgetting = BatchPlan.forgetting(in: changes) {
                inputs.ended = try Self.ended(db, before: forgetting.endedBefore, limit: forgetting.limit)
            }
            try Self.loadLogKeys(db, into: &inputs, for: changes)
            let firstUses = try Self.record(db, uses, now: now)
            let plan = try BatchPlan(changes, inputs: inputs, at: now, signer: signer)
            try Self.write(db, plan, now: now)
            try Self.writeLogKeys(db, plan)
            try Self.forget(db, plan.forgotten, at: now)
            if !plan.forgotten.isEmpty { walHoldsForgotten.withLock { $0 = true } }
            return try plan.committed(proofs: try PrefetchedSubtrees.compute(plan.receiptProofs, fetch: { try Self.subtreeHashes(db, $0) }))
                .recording(firstUses: firstUses)
        }
        await shredWriteAheadLog()
        return committed
    }

    private static func write(_ db: Database, _ plan: BatchPlan, now: Date) throws {
        for consent in plan.insertedConsents { try ConsentRecord(consent).insert(db) }
        for consent in plan.updatedConsents { try ConsentRecord(consent).update(db) }
        let insertEntry = try db.cachedStatement(sql: """
            INSERT INTO auditEntry (idx, leaf, leafHash, type, time, consentId, personId, bankOrg) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for logged in plan.entries {
            let entry = logged.entry
            // A v2 entry's row names nobody; its opening does.
            let named = logged.opening == nil
            try insertEntry.execute(arguments: [
                Int64(entry.index), Data(logged.leaf), Data(logged.leafHash.bytes), entry.type.rawValue, SQLiteTimestamp.text(entry.time),
                named ? entry.consentId.description : nil, named ? entry.personId.digits : nil, named ? entry.bankOrg.digits : nil,
            ])
        }
        let insertEvent = try db.cachedStatement(sql: """
            INSERT INTO event (logIdx, id, type, time, bankOrg, consentId, status) VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        for event in plan.events {
            try insertEvent.execute(arguments: [
                Int64(event.logIndex), event.id.description, event.type.rawValue, SQLiteTimestamp.text(event.timestamp), event.bankOrg.digits,
                event.consentId.description, event.status.rawValue,
            ])
        }
        let insertNode = try db.cachedStatement(sql: "INSERT INTO merkleNode (level, idx, hash) VALUES (?, ?, ?)")
        for node in plan.nodes {
            try insertNode.execute(arguments: [node.level, Int64(node.index), Data(node.hash.bytes)])
        }
        if plan.appended, let checkpoint = plan.checkpoint {
            try db.cachedStatement(sql: "UPDATE logHead SET size = ? WHERE id = 1").execute(arguments: [Int64(plan.size)])
            try db.cachedStatement(sql: "INSERT INTO checkpoint (size, rootHash, signedNote, createdAt) VALUES (?, ?, ?, ?)")
                .execute(arguments: [Int64(checkpoint.size), Data(checkpoint.rootHash.bytes), checkpoint.note, SQLiteTimestamp.text(now)])
        }
        for completion in plan.completions { try complete(db, completion, now: now) }
        for (key, result) in plan.claimed { try recordFinished(db, key, result, now: now) }
        for claim in plan.releases { try release(db, claim) }
        try purgeBundleRecords(db, of: plan.purgedBundleRecords)
    }

    /// Open consents whose expiry came due, oldest deadline first.
    private static func due(_ db: Database, now: Date, limit: Int) throws -> [Consent] {
        guard limit > 0 else { return [] }
        let time = SQLiteTimestamp.text(now)
        return try ConsentRecord.fetchAll(
            db.cachedStatement(sql: """
                SELECT * FROM consent
                WHERE (status = 'pending' AND requestExpiresAt <= ?) OR (status = 'active' AND validUntil <= ?)
                ORDER BY id LIMIT ?
                """),
            arguments: [time, time, limit]
        ).map { try $0.consent() }
    }

    private static func registered(_ db: Database, _ banks: Set<OrgNumber>) throws -> Set<OrgNumber> {
        try Set(banks.filter { org in
            try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM bank WHERE org = ?)"), arguments: [org.digits])!
        })
    }
}
