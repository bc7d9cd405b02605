import ArgumentParser

/// `--port` of a server command (`serve`, `mock-tax-agency`, `witness serve`), or its default; 0
/// picks a free one. Out of range it is refused before anything starts, not by the socket.
func listenPort(_ given: Int?, default fallback: Int) throws -> Int {
    let port = given ?? fallback
    guard (0...65535).contains(port) else { throw ValidationError("--port must be 0–65535, not \(port)") }
    return port
}
