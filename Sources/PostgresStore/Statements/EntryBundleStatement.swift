import NIOCore
import PostgresNIO

/// The leaves from one index on, in order: an entry bundle, which an auditor's pass reads thousands
/// of times, so it is parsed and planned once per connection.
struct EntryBundleStatement: PostgresPreparedStatement {
    static let sql = "SELECT idx, leaf FROM auditEntry WHERE idx >= $1 ORDER BY idx LIMIT $2"
    typealias Row = (index: Int64, leaf: ByteBuffer)

    let start: Int64
    let count: Int64

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(start)
        bindings.append(count)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let (index, leaf) = try row.decode((Int64, ByteBuffer).self)
        return (index, leaf)
    }
}
