import PostgresNIO

/// The consents a batch acts on, locked until it commits. Taken in id order so that two
/// transactions locking overlapping sets cannot deadlock, even without the head lock.
struct LockConsentsStatement: ConsentRowsStatement {
    static let sql = "SELECT \(ConsentRow.columns) FROM consent WHERE id = ANY($1) ORDER BY id FOR UPDATE"

    let ids: [String]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(ids)
        return bindings
    }
}
