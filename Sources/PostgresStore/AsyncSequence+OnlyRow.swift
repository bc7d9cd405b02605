extension AsyncSequence {
    /// The one row a query by primary key returns, or nil. Reads the sequence to its end, which is
    /// what hands a pooled connection back.
    func onlyRow() async throws -> Element? {
        var only: Element?
        for try await element in self {
            only = element
        }
        return only
    }
}
