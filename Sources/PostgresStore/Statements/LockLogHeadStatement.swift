import NIOCore
import PostgresNIO

/// The log's head, locked until the transaction ends, with the checkpoint signed for its size. Every
/// commit takes this first: it is what serialises log writers across broker instances.
struct LockLogHeadStatement: PostgresPreparedStatement {
    static let sql = """
        SELECT h.size, c.rootHash, c.signedNote
        FROM logHead h LEFT JOIN checkpoint c ON c.size = h.size
        WHERE h.id = 1
        FOR UPDATE OF h
        """
    typealias Row = (size: Int64, rootHash: ByteBuffer?, signedNote: String?)

    func makeBindings() throws -> PostgresBindings {
        PostgresBindings()
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let (size, rootHash, signedNote) = try row.decode((Int64, ByteBuffer?, String?).self)
        return (size, rootHash, signedNote)
    }
}
