import Hummingbird

/// Counts every request to the data route, before any fault is applied to it.
struct TrafficMiddleware: RouterMiddleware {
    typealias Context = AgencyRequestContext
    let traffic: AgencyTraffic

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        traffic.record(token: TaxDataRoute.bearerToken(request.headers[.authorization]))
        return try await next(request, context)
    }
}
