import Foundation
import GRDB
import TransparencyLog

/// Reads stored perfect-subtree hashes for the Merkle maths: one primary-key lookup per node.
struct DatabaseSubtreeSource: SubtreeHashSource {
    let db: Database

    func perfectSubtreeHash(level: Int, index: UInt64) throws -> Hash {
        let bytes = try Data.fetchOne(db, sql: "SELECT hash FROM merkleNode WHERE level = ? AND idx = ?", arguments: [level, Int64(index)])
        guard let bytes, let hash = Hash(bytes: bytes) else {
            throw StorageError.corrupt("the Merkle node at level \(level), index \(index) is missing")
        }
        return hash
    }
}
