import Hummingbird

/// Refuses, before any handler or authentication runs, what no operation of the API reads: a query
/// parameter the OpenAPI document does not name for the route (or one given twice), and a body sent
/// to an operation that takes none. Handlers then only judge the values of what they read.
///
/// A request no route matched is a 405 with `Allow` when the path is the API's under another method
/// (RFC 9110 §15.5.6), and otherwise goes on to the router's 404.
struct RequestShapeMiddleware<Context: RequestContext>: RouterMiddleware {
    let document: OpenAPIDocument

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let path = context.endpointPath else {
            let allowed = document.methods(forPath: request.uri.path)
            guard allowed.isEmpty else {
                throw Problem(.methodNotAllowed, "method-not-allowed", "Method not allowed", detail: "\(request.uri.path) allows \(allowed.joined(separator: ", "))", allow: allowed)
            }
            return try await next(request, context)
        }
        // HEAD takes what its GET takes.
        let method = request.method == .head ? "GET" : request.method.rawValue
        if let operation = document.operations["\(method) \(path)"] {
            var seen: Set<String> = []
            for (key, _) in request.uri.queryParameters {
                let name = String(key)
                guard operation.queryParameters.contains(name) else {
                    let allowed = operation.queryParameters.isEmpty ? "this endpoint takes none" : "allowed: \(operation.queryParameters.sorted().joined(separator: ", "))"
                    throw Problem.invalid(name, "unknown query parameter; \(allowed)")
                }
                guard seen.insert(name).inserted else { throw Problem.invalid(name, "may be given only once") }
            }
            if !operation.takesBody, Self.hasBody(request) {
                throw Problem.invalid(nil, "this endpoint takes no request body")
            }
        }
        return try await next(request, context)
    }

    /// Whether the client announced body bytes (a non-zero length, or any transfer coding).
    static func hasBody(_ request: Request) -> Bool {
        if request.headers[.transferEncoding] != nil { return true }
        guard let length = request.headers[.contentLength] else { return false }
        return length != "0"
    }
}
