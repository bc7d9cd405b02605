import HTTPTypes
import Hummingbird
import Tracing

/// Outermost on the router: one server span per request, a child of the caller's W3C `traceparent`
/// when it sends one, so everything the request does (its log line, the log commit, the agency call)
/// happens inside it. The span is named by the route pattern, never the path, and carries no path:
/// paths hold national identity numbers. Without `serve --otlp-endpoint` the tracer is the no-op
/// one and this costs next to nothing.
struct RequestTracingMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var caller = ServiceContext.topLevel
        InstrumentationSystem.instrument.extract(request.headers, into: &caller, using: HTTPFieldsExtractor())
        let method = request.method.rawValue
        return try await withSpan(method, context: caller, ofKind: .server) { span in
            span.attributes["http.request.method"] = method
            do {
                let response = try await next(request, context)
                finish(span, method: method, route: context.endpointPath, status: response.status)
                return response
            } catch {
                finish(span, method: method, route: context.endpointPath, status: (error as? any HTTPResponseError)?.status ?? .internalServerError)
                throw error
            }
        }
    }

    private func finish(_ span: any Span, method: String, route: String?, status: HTTPResponse.Status) {
        if let route {
            span.operationName = "\(method) \(route)"
            span.attributes["http.route"] = route
        }
        span.attributes["http.response.status_code"] = Int(status.code)
        if status.code >= 500 { span.setStatus(.init(code: .error)) }
    }
}

private struct HTTPFieldsExtractor: Extractor {
    func extract(key name: String, from headers: HTTPFields) -> String? {
        HTTPField.Name(name).flatMap { headers[$0] }
    }
}
