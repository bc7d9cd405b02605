import CanonicalJSON
import Foundation
import GRDB
import SamtykkeCore
import TransparencyLog

/// Appends entries to the consent log inside the caller's transaction, keeps the Merkle nodes up to
/// date, and signs a checkpoint for the new size, so the change, its entry and the checkpoint that
/// covers it commit together or not at all.
public struct ConsentLog: Sendable {
    public let origin: String
    public let signer: NoteSigner

    public init(origin: String, signer: NoteSigner) {
        self.origin = origin
        self.signer = signer
    }

    static func size(_ db: Database) throws -> UInt64 {
        UInt64(try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(idx) + 1, 0) FROM auditEntry") ?? 0)
    }

    @discardableResult
    func append(
        _ db: Database,
        _ type: AuditEntry.EntryType,
        by actor: AuditEntry.Actor,
        about consent: Consent,
        details: [String: JSONValue] = [:],
        at now: Date
    ) throws -> AuditEntry {
        let index = try Self.size(db)
        let entry = AuditEntry(
            index: index,
            time: now,
            type: type,
            actor: actor,
            consentId: consent.id,
            personId: consent.terms.personId,
            bankOrg: consent.bankOrg,
            details: details
        )
        let leaf = try entry.leafBytes()
        let leafHash = MerkleHasher.leafHash(leaf)
        try db.execute(
            sql: "INSERT INTO auditEntry (idx, leaf, leafHash, type, time, consentId, personId, bankOrg) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            arguments: [Int64(index), Data(leaf), Data(leafHash.bytes), type.rawValue, entry.time, consent.id.description,
                        consent.terms.personId.digits, consent.bankOrg.digits]
        )
        let source = DatabaseSubtreeSource(db: db)
        for node in try MerkleTree.nodesToStore(appendingLeafAt: index, leafHash: leafHash, source: source) {
            try db.execute(
                sql: "INSERT INTO merkleNode (level, idx, hash) VALUES (?, ?, ?)",
                arguments: [node.level, Int64(node.index), Data(node.hash.bytes)]
            )
        }
        return entry
    }

    /// Appends the entry for one state transition.
    @discardableResult
    func record(_ db: Database, _ transition: ConsentTransition, by actor: AuditEntry.Actor, about consent: Consent, at now: Date) throws -> AuditEntry {
        var details: [String: JSONValue] = ["from": .string(transition.from.rawValue), "to": .string(transition.to.rawValue)]
        if transition.event == .exhaust { details["uses"] = .number(Double(consent.uses)) }
        return try append(db, AuditEntry.EntryType(transition: transition), by: actor, about: consent, details: details, at: now)
    }

    /// Signs a checkpoint for the log as it stands in this transaction, unless one for this size exists.
    @discardableResult
    func checkpoint(_ db: Database, at now: Date) throws -> String {
        let size = try Self.size(db)
        if let existing = try String.fetchOne(db, sql: "SELECT signedNote FROM checkpoint WHERE size = ?", arguments: [Int64(size)]) {
            return existing
        }
        let root = try MerkleTree.root(size: size, source: DatabaseSubtreeSource(db: db))
        let note = try signer.sign(Checkpoint(origin: origin, size: size, rootHash: root).body)
        try db.execute(
            sql: "INSERT INTO checkpoint (size, rootHash, signedNote, createdAt) VALUES (?, ?, ?, ?)",
            arguments: [Int64(size), Data(root.bytes), note, now]
        )
        return note
    }

    func receipt(_ db: Database, for entry: AuditEntry, checkpoint: String) throws -> AuditReceipt {
        let size = try Self.size(db)
        let proof = try MerkleTree.inclusionProof(index: entry.index, size: size, source: DatabaseSubtreeSource(db: db))
        return AuditReceipt(index: entry.index, entry: try entry.leafBytes(), treeSize: size, inclusionProof: proof, checkpoint: checkpoint)
    }
}
