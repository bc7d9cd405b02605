import PostgresNIO

/// One consent by id, whoever may see it: the store checks the viewer on the decoded consent, so
/// another party's consent is refused exactly like a missing one.
struct ConsentByIDStatement: ConsentRowsStatement {
    static let sql = "SELECT \(ConsentRow.columns) FROM consent WHERE id = $1"

    let id: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(id)
        return bindings
    }
}
