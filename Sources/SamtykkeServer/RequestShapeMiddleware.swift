import Hummingbird

/// Refuses what no operation of the API reads: a query parameter the OpenAPI document does not name
/// for the route (or one given twice), and a body sent to an operation that takes none. Handlers then
/// only judge the values of what they read.
///
/// A request no route matched is a 405 with `Allow` when the path is the API's under another method
/// (RFC 9110 §15.5.6), and otherwise goes on to the router's 404.
///
/// Authentication comes first: where the document asks for a credential, the shape is judged only
/// once the caller has shown a good one, so a caller without one gets the 401 and nothing that
/// describes the API (the parameters a route takes, the methods a path has).
struct RequestShapeMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    enum Place: Sendable {
        /// Ahead of every route: public operations, and the 405 for a path of the API under a method
        /// it does not have, which first runs the authenticator of the path's security scheme (no
        /// route matched, so no group's authenticator runs).
        case router(authenticators: [String: any RouterMiddleware<AppRequestContext>])
        /// On a group, behind its authenticator: the group's operations.
        case behindAuthentication
    }

    let document: OpenAPIDocument
    let place: Place

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let path = context.endpointPath else {
            guard case .router(let authenticators) = place else { return try await next(request, context) }
            let matching = document.operations(forPath: request.uri.path)
            guard !matching.isEmpty else { return try await next(request, context) }
            var allowed: [String] = []
            for (method, _, _) in matching where allowed.last != method { allowed.append(method) }
            // Counted and logged under the route it belongs to, not as an unknown path.
            context.coreContext.endpointPath.value = matching[0].path
            let refusal = Problem(
                .methodNotAllowed, "method-not-allowed", "Method not allowed",
                detail: "\(request.uri.path) allows \(allowed.joined(separator: ", "))", allow: allowed
            )
            // Where a path is both public and an authenticated one (`tlog/tile/**` and its
            // `tlog/tile/entries/**`), the router serves it the authenticated route.
            guard let scheme = matching.flatMap(\.operation.security).sorted().first else { throw refusal }
            guard let authenticator = authenticators[scheme] else {
                throw Problem.unauthorized("send Authorization: Bearer <credential>")
            }
            return try await authenticator.handle(request, context: context) { _, _ in throw refusal }
        }
        // HEAD takes what its GET takes.
        let method = request.method == .head ? "GET" : request.method.rawValue
        guard let operation = document.operations["\(method) \(path)"] else { return try await next(request, context) }
        // An authenticated operation is judged on its group, once the caller is known.
        if case .router = place, !operation.security.isEmpty { return try await next(request, context) }
        try Self.check(request, against: operation)
        return try await next(request, context)
    }

    private static func check(_ request: Request, against operation: OpenAPIDocument.Operation) throws {
        var seen: Set<String> = []
        for (key, _) in request.uri.queryParameters {
            let name = String(key)
            guard operation.queryParameters.contains(name) else {
                let allowed = operation.queryParameters.isEmpty ? "this endpoint takes none" : "allowed: \(operation.queryParameters.sorted().joined(separator: ", "))"
                throw Problem.invalid(name, "unknown query parameter; \(allowed)")
            }
            guard seen.insert(name).inserted else { throw Problem.invalid(name, "may be given only once") }
        }
        if !operation.takesBody, hasBody(request) {
            throw Problem.invalid(nil, "this endpoint takes no request body")
        }
    }

    /// Whether the client announced body bytes (a non-zero length, or any transfer coding).
    static func hasBody(_ request: Request) -> Bool {
        if request.headers[.transferEncoding] != nil { return true }
        guard let length = request.headers[.contentLength] else { return false }
        return length != "0"
    }
}
