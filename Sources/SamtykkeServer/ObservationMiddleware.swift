import HTTPTypes
import Hummingbird
import Logging
import Metrics

/// Outermost on the router, outside `ProblemMiddleware`: by the time a response gets here every
/// error has become its problem document, so each request is counted, timed and logged once with
/// the status the client really got, unknown routes and refusals included.
///
/// The route is the pattern that matched (`/v1/consents/:id`), never the path: paths hold national
/// identity numbers, and one series per id would be no use to anyone.
struct ObservationMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    static let requestIDHeader = HTTPField.Name("Request-Id")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            var response = try await next(request, context)
            response.headers[Self.requestIDHeader] = context.id
            record(request, context: context, status: response.status, elapsed: start.duration(to: .now))
            return response
        } catch {
            // Only what ProblemMiddleware could not render ends up here; Hummingbird answers 500.
            record(request, context: context, status: .internalServerError, elapsed: start.duration(to: .now))
            throw error
        }
    }

    private func record(_ request: Request, context: Context, status: HTTPResponse.Status, elapsed: Duration) {
        let method = request.method.rawValue
        let route = context.endpointPath ?? "NotFound"
        Counter(label: SamtykkeMetrics.requests, dimensions: [("method", method), ("route", route), ("status", String(status.code))]).increment()
        Timer(
            label: SamtykkeMetrics.requestDuration,
            dimensions: [("method", method), ("route", route), ("status_class", "\(status.code / 100)xx")],
            preferredDisplayUnit: .seconds
        ).record(duration: elapsed)
        context.logger.info("request", metadata: [
            "method": "\(method)",
            "route": "\(route)",
            "status": "\(status.code)",
            "durationSeconds": "\(elapsed.seconds)",
            "requestId": "\(context.id)",
            "caller": "\(context.caller?.kind ?? "anonymous")",
            "credential": "\(context.credential ?? "none")",
        ])
    }
}
