import Hummingbird

/// A HEAD request gets the status and headers its GET would, and never a body (RFC 9110 §9.3.2):
/// the router routes HEAD to the GET handler and this drops whatever body comes back, problem
/// documents for unknown routes and refused credentials included. A body there would be read by the
/// client as the start of the next response on the connection.
struct HeadMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        return request.method == .head ? response.createHeadResponse() : response
    }
}
