import NIOCore
import PostgresNIO
import TransparencyLog

/// The perfect subtrees a batch completed, in one statement.
struct InsertNodesStatement: PostgresPreparedStatement {
    static let sql = """
        INSERT INTO merkleNode (level, idx, hash)
        SELECT level, idx, hash FROM UNNEST($1::integer[], $2::bigint[], $3::bytea[]) AS node (level, idx, hash)
        """
    typealias Row = ()

    let nodes: [(level: Int, index: UInt64, hash: Hash)]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 3)
        bindings.append(nodes.map { Int32($0.level) })
        bindings.append(nodes.map { Int64($0.index) })
        bindings.append(nodes.map { ByteBuffer(bytes: $0.hash.bytes) })
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {}
}
