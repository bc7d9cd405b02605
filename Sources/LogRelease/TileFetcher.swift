/// How the monitor reads a log served as C2SP `tlog-tiles`: the bytes at a path under the log's
/// base URL (`checkpoint`, `tile/0/x001/234.p/5`, `tile/entries/000`). The data holder brings its
/// own HTTP client; nothing it answers is trusted before it is checked against a signed root.
public protocol TileFetcher: Sendable {
    /// The body of a 200; nil for a 404 (a partial tile the log no longer serves); a thrown error
    /// for anything else, which fails the catch-up without stopping the monitor.
    func fetch(_ path: String) async throws -> [UInt8]?
}
