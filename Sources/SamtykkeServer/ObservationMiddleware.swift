import HTTPTypes
import Hummingbird
import Logging
import Metrics
import SamtykkeCore

/// Outermost on the router, outside `ProblemMiddleware`: by the time a response gets here every
/// error has become its problem document, so each request is counted, timed and logged once with
/// the status the client really got, unknown routes and refusals included.
///
/// The route is the pattern that matched (`/v1/consents/:id`), never the path: paths hold national
/// identity numbers, and one series per id would be no use to anyone.
///
/// The request id is the caller's `X-Request-Id` when it is a plain token (a proxy's or a bank's own
/// id, so one request can be followed across systems), else the broker's own; the same id is in the
/// `Request-Id` answer header, every log line of the request and its problem document.
struct ObservationMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let trustedProxies: [IPNetwork]
    let activity: Activity

    static let requestIDHeader = HTTPField.Name("Request-Id")!
    static let incomingRequestIDHeader = HTTPField.Name("X-Request-Id")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var context = context
        if let given = request.headers[Self.incomingRequestIDHeader], Self.isAcceptableRequestID(given) {
            // `context.id` is read from this metadata, so the problem documents carry it too.
            context.logger[metadataKey: "hb.request.id"] = .string(given)
        }
        return try await activity.during(request: {
            do {
                var response = try await next(request, context)
                response.headers[Self.requestIDHeader] = context.id
                response.headers.append(contentsOf: context.answerHeaders)
                record(request, context: context, status: response.status, elapsed: start.duration(to: .now))
                return response
            } catch {
                // Only what ProblemMiddleware could not render ends up here; Hummingbird answers 500.
                record(request, context: context, status: .internalServerError, elapsed: start.duration(to: .now))
                throw error
            }
        })
    }

    /// 1–128 characters of `[A-Za-z0-9._~-]` (RFC 3986's unreserved set): nothing a log line or a
    /// header could be bent with. And no national identity number in it: a bank that correlates by its
    /// customer's number would otherwise put it on every log line of the request, where forgetting
    /// cannot reach (the broker's own id serves then).
    static func isAcceptableRequestID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        let unreserved = (1...128).contains(bytes.count) && bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "-"): true
            default: false
            }
        }
        guard unreserved, bytes.count >= 11 else { return unreserved }
        let isDigit = { (byte: UInt8) in (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        return !(0...(bytes.count - 11)).contains { start in
            let window = bytes[start..<(start + 11)]
            return window.allSatisfy(isDigit) && (try? PersonID(String(decoding: window, as: UTF8.self))) != nil
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
        var metadata: Logger.Metadata = [
            "method": "\(method)",
            "route": "\(route)",
            "status": .stringConvertible(status.code),
            "durationSeconds": .stringConvertible(elapsed.seconds),
            "requestId": "\(context.id)",
            "caller": "\(context.caller?.kind ?? "anonymous")",
            "credential": "\(context.credential ?? "none")",
        ]
        if let client = AddressRateLimitMiddleware.clientAddress(of: request, peer: context.remoteAddress, trustedProxies: trustedProxies) {
            metadata["client"] = "\(client)"
        }
        context.logger.info("request", metadata: metadata)
    }
}
