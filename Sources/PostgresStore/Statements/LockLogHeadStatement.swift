import PostgresNIO

/// The log's size, its row locked until the transaction ends. Every commit takes this first: it is
/// what serialises log writers across broker instances.
///
/// Only the head row: a commit that waited here sees the winner's new size, but in READ COMMITTED
/// anything joined in the same statement would still come from the snapshot taken before the wait
/// (the winner's checkpoint would be missing). Statements after this one see the winner's rows.
struct LockLogHeadStatement: PostgresPreparedStatement {
    static let sql = "SELECT size FROM logHead WHERE id = 1 FOR UPDATE"
    typealias Row = Int64

    func makeBindings() throws -> PostgresBindings {
        PostgresBindings()
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Int64.self)
    }
}
