import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import SamtykkeCore
import SamtykkeJOSE
import SamtykkeStore

/// Turns every error into a problem document. Added first on the router, so it also sees unknown
/// routes, decoding failures and over-size bodies. Unexpected errors become a bare 500 that names the
/// request id; their details go to the log only.
///
/// While the database is known to be down, an unexpected error is taken for its absence: a 503 the
/// client may retry, logged once by the database's own line rather than once per request.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    var database: DependencyHealth?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var problem = Self.problem(for: error, context: context)
            if problem.kind == Self.internalKind, !(error is StorageError) {
                if let database, let why = await database.problem(maxAge: .seconds(2)) {
                    problem = Problem(.serviceUnavailable, "database-unavailable", "The database is unavailable", detail: "unavailable: \(why)", retryAfter: 1)
                } else {
                    context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: type(of: error)))"])
                }
            }
            return try problem.response(from: request, context: context)
        }
    }

    static var internalKind: String { "internal" }

    static func problem(for error: any Error, context: Context) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as StorageError:
            return problem(for: error, context: context)
        case let error as DomainError:
            return problem(for: error)
        case let error as WebhookTargetRefused:
            return .invalid("url", error.reason)
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
            return Problem(.internalServerError, internalKind, "Internal server error", detail: "request \(context.id) failed; the operator's log has the cause")
        }
    }

    static func problem(for error: StorageError, context: Context) -> Problem {
        switch error {
        case .consentNotFound: .notFound("no such consent")
        case .consentForgotten(let forgotten): .forgotten(forgotten)
        case .refused(let domain): problem(for: domain)
        case .bankNotFound: Problem(.forbidden, "unknown-bank", "The bank is not registered")
        case .bankExists, .auditorExists, .bankKeyExists: Problem(.conflict, "exists", "Already registered", detail: error.description)
        case .idempotencyInProgress:
            Problem(.conflict, "idempotency-in-progress", "A request with this Idempotency-Key is in progress", detail: error.description, field: "Idempotency-Key", retryAfter: 1)
        case .idempotencyMismatch:
            Problem(.unprocessableContent, "idempotency-key-reused", "Idempotency-Key reused with a different request", detail: error.description, field: "Idempotency-Key")
        case .idempotencyClaimLost:
            Problem(.conflict, "idempotency-in-progress", "A retry took over this Idempotency-Key", detail: "nothing was issued by this request; the retry's answer stands", field: "Idempotency-Key", retryAfter: 1)
        case .corrupt:
            { () -> Problem in
                context.logger.critical("database inconsistency", metadata: ["error": "\(error)"])
                return Problem(.internalServerError, "internal", "Internal server error", detail: "request \(context.id) failed; the operator's log has the cause")
            }()
        }
    }

    static func problem(for error: DomainError) -> Problem {
        switch error.code {
        case .illegalTransition: Problem(.conflict, "consent-state", "The consent does not allow this", detail: error.reason, field: error.field)
        case .notPermitted: .notFound("no such consent")
        default: .invalid(error.field, error.description)
        }
    }
}
