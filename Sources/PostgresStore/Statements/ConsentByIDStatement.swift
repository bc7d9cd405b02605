import PostgresNIO

/// One consent by id, whoever may see it: the store checks the viewer on the decoded consent, so
/// another party's consent is refused exactly like a missing one.
struct ConsentByIDStatement: PostgresPreparedStatement {
    static let sql = "SELECT \(ConsentRow.columns) FROM consent WHERE id = $1"
    typealias Row = ConsentRow

    let id: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(id)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try ConsentRow(row)
    }
}
