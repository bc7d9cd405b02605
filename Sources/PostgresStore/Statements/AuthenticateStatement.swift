import NIOCore
import PostgresNIO

/// The live key row with a given public id: asked on every authenticated request.
struct AuthenticateStatement: PostgresPreparedStatement {
    static let sql = "SELECT role, bankOrg, auditorName, secretHash FROM apiKey WHERE id = $1 AND revokedAt IS NULL"
    typealias Row = (role: String, bankOrg: String?, auditorName: String?, secretHash: ByteBuffer)

    let keyID: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(keyID)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let (role, bankOrg, auditorName, secretHash) = try row.decode((String, String?, String?, ByteBuffer).self)
        return (role, bankOrg, auditorName, secretHash)
    }
}
