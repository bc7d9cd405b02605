import PostgresNIO

/// The leaves from one index on, in order: an entry bundle, which an auditor's pass reads thousands
/// of times, so it is parsed and planned once per connection.
struct EntryBundleStatement: IndexedBytesStatement {
    static let sql = "SELECT idx, leaf FROM auditEntry WHERE idx >= $1 ORDER BY idx LIMIT $2"

    let start: Int64
    let count: Int64

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(start)
        bindings.append(count)
        return bindings
    }
}
