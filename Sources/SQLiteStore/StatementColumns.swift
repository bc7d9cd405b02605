import GRDB
import GRDBSQLite

/// The columns of the row a statement has just stepped to, read where SQLite keeps them. The log's
/// bulk reads (entry bundles, openings pages) hand a verifier a million blobs; GRDB's
/// `withUnsafeData` wraps each in a `Data` of its own, allocated and freed per column, which was
/// a seventh of what serving an entry bundle cost the broker and a quarter of an openings page.
struct StatementColumns {
    let statement: Statement

    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(statement.sqliteStatement, column)
    }

    /// The blob's bytes, valid only until the statement steps again; nil for NULL. An empty blob
    /// has no pointer in SQLite, so it comes as an empty buffer, not as nil.
    func blob(_ column: Int32) -> UnsafeRawBufferPointer? {
        let sqlite = statement.sqliteStatement
        guard sqlite3_column_type(sqlite, column) != SQLITE_NULL else { return nil }
        // Pointer first, then length: SQLite's documented order, which never converts the value.
        let start = sqlite3_column_blob(sqlite, column)
        return UnsafeRawBufferPointer(start: start, count: Int(sqlite3_column_bytes(sqlite, column)))
    }

    /// Steps `statement` with `arguments` through every row, `body` reading each row's columns.
    static func forEachRow(of statement: Statement, arguments: StatementArguments, _ body: (StatementColumns) throws -> Void) throws {
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        let columns = StatementColumns(statement: statement)
        while try rows.next() != nil {
            try body(columns)
        }
    }
}
