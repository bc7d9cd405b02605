import Hummingbird

/// Turns every error that is not already a `Problem` into one, so no response of the agency ever has
/// a bare or HTML error body: Hummingbird's own 404s and 405s, oversized bodies, and bugs (500).
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            throw problem
        } catch let error as HTTPError {
            var headers = error.headers
            headers[.contentType] = nil
            throw Problem(status: error.status, detail: error.body ?? "the agency does not serve \(request.method) on this path", headers: headers)
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(error)"])
            throw Problem(status: .internalServerError, detail: "the tax agency failed to answer")
        }
    }
}
