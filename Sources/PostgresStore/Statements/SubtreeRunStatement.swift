import PostgresNIO

/// One level's nodes in an index range, in order: a hash tile, read as often as tiles are fetched.
struct SubtreeRunStatement: IndexedBytesStatement {
    static let sql = "SELECT idx, hash FROM merkleNode WHERE level = $1 AND idx >= $2 AND idx < $3 ORDER BY idx"

    let level: Int32
    let from: Int64
    let to: Int64

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 3)
        bindings.append(level)
        bindings.append(from)
        bindings.append(to)
        return bindings
    }
}
