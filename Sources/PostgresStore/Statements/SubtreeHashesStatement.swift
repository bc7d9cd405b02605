import NIOCore
import PostgresNIO
import SamtykkeStore

/// Stored perfect-subtree hashes for any set of coordinates, in one round trip: the right edge a
/// commit resumes from, the nodes behind a root or a proof.
struct SubtreeHashesStatement: PostgresPreparedStatement {
    static let sql = """
        SELECT n.level, n.idx, n.hash FROM merkleNode n
        JOIN UNNEST($1::integer[], $2::bigint[]) AS wanted (level, idx) ON n.level = wanted.level AND n.idx = wanted.idx
        """
    typealias Row = (level: Int, index: Int64, hash: ByteBuffer)

    let levels: [Int32]
    let indexes: [Int64]

    init(_ coordinates: [SubtreeCoordinate]) {
        levels = coordinates.map { Int32($0.level) }
        indexes = coordinates.map { Int64($0.index) }
    }

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(levels)
        bindings.append(indexes)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let (level, index, hash) = try row.decode((Int, Int64, ByteBuffer).self)
        return (level, index, hash)
    }
}
