import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import SamtykkeCore
import SamtykkeJOSE
import SamtykkeStore

/// Turns every error into a problem document. Added first on the router, so it also sees unknown
/// routes, decoding failures and over-size bodies. A refusal (`Refusal`) answers with its own problem
/// document; a database failure (`StoreFailure`) and any other unexpected error become a bare 500
/// that names the request id, their details in the log only.
///
/// While the database is known to be down, an unexpected error is taken for its absence: a 503 the
/// client may retry, logged once by the database's own line rather than once per request.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    var database: DependencyHealth?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            guard let problem = Self.problem(for: error) else {
                return try await unexpected(error, context: context).response(from: request, context: context)
            }
            return try problem.response(from: request, context: context)
        }
    }

    static var internalKind: String { "internal" }

    /// The answer to what the request or its caller got wrong; nil for a failure of the broker's own.
    static func problem(for error: any Error) -> Problem? {
        switch error {
        case let problem as Problem:
            return problem
        case let refusal as any Refusal:
            return refusal.problem
        case is NIOTooManyBytesError:
            return Problem(.contentTooLarge, "body-too-large", "Request body too large")
        case is HTTPParserError:
            // A body cut off (by its client, or at the body timeout) or malformed: the client's doing.
            return .invalid(nil, "the request body could not be read")
        case let error as HTTPError:
            switch error.status {
            case .notFound: return .notFound("no route for this method and path")
            case .methodNotAllowed: return Problem(.methodNotAllowed, "method-not-allowed", "Method not allowed")
            case .contentTooLarge: return Problem(.contentTooLarge, "body-too-large", "Request body too large")
            default: return Problem(error.status, "http-error", error.status.reasonPhrase, detail: error.body)
            }
        case let error as HTTPResponseError where error.status.code < 500:
            return Problem(error.status, "http-error", error.status.reasonPhrase)
        default:
            return nil
        }
    }

    /// A database failure or a defect: corrupt data is logged at `critical` and answered 500; anything
    /// else is 503 while the database is known to be down, else 500 and logged.
    private func unexpected(_ error: any Error, context: Context) async -> Problem {
        let failed = Problem(.internalServerError, Self.internalKind, "Internal server error", detail: "request \(context.id) failed; the operator's log has the cause")
        if let failure = error as? StoreFailure, failure.kind == .corrupt {
            context.logger.critical("database inconsistency", metadata: ["error": "\(failure)"])
            return failed
        }
        if let database, let why = await database.problem(maxAge: .seconds(2)) {
            return Problem(.serviceUnavailable, "database-unavailable", "The database is unavailable", detail: "unavailable: \(why)", retryAfter: 1)
        }
        if let failure = error as? StoreFailure {
            context.logger.error("database failure", metadata: ["error": "\(failure)"])
        } else {
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: type(of: error)))"])
        }
        return failed
    }
}
