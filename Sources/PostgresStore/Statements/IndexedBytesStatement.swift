import NIOCore
import PostgresNIO

/// A prepared statement whose rows are a log index and the bytes stored at it (a leaf, a node's
/// hash), in index order: the audit reads of entry bundles and hash tiles.
protocol IndexedBytesStatement: PostgresPreparedStatement where Row == (index: Int64, bytes: ByteBuffer) {}

extension IndexedBytesStatement {
    func decodeRow(_ row: PostgresRow) throws -> Row {
        let (index, bytes) = try row.decode((Int64, ByteBuffer).self)
        return (index, bytes)
    }
}
