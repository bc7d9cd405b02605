import Hummingbird

/// In front of every route that reads the store: until the store is prepared (a broker started
/// before its database), a request waits a few seconds for it, then gets 503, never a table that
/// does not exist yet. Health, readiness and metrics stand before it.
struct StoreGateMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let prepared: StartupGate

    static let patience: Duration = .seconds(5)

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard await prepared.wait(upTo: Self.patience) else {
            throw Problem(.serviceUnavailable, "not-ready", "Not ready", detail: "the database is not available yet", retryAfter: 1)
        }
        return try await next(request, context)
    }
}
