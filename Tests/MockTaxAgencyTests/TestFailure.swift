/// A helper's own failure in the tests, with the message that explains it.
struct TestFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
