import SamtykkeCore
import SamtykkeStore

/// A refusal of the domain or of the store's rules: the caller's outcome, answered with a 4xx problem
/// document. Every refusal the broker knows maps here and nowhere else; database failures
/// (`StoreFailure`) are not refusals and take `ProblemMiddleware`'s 503/500 path.
protocol Refusal: Error {
    var problem: Problem { get }
}

extension DomainError: Refusal {
    var problem: Problem {
        switch code {
        case .illegalTransition: Problem(.conflict, "consent-state", "The consent does not allow this", detail: reason, field: field)
        case .notPermitted: .notFound("no such consent")
        default: .invalid(field, description)
        }
    }
}

extension StorageError: Refusal {
    var problem: Problem {
        switch self {
        case .consentNotFound: .notFound("no such consent")
        case .consentForgotten(let forgotten): .forgotten(forgotten)
        case .refused(let domain): domain.problem
        case .bankNotFound: Problem(.forbidden, "unknown-bank", "The bank is not registered")
        case .bankExists, .auditorExists, .bankKeyExists: Problem(.conflict, "exists", "Already registered", detail: description)
        case .idempotencyInProgress:
            Problem(.conflict, "idempotency-in-progress", "A request with this Idempotency-Key is in progress", detail: description, field: "Idempotency-Key", retryAfter: 1)
        case .idempotencyMismatch:
            Problem(.unprocessableContent, "idempotency-key-reused", "Idempotency-Key reused with a different request", detail: description, field: "Idempotency-Key")
        case .idempotencyClaimLost:
            Problem(.conflict, "idempotency-in-progress", "A retry took over this Idempotency-Key", detail: "nothing was issued by this request; the retry's answer stands", field: "Idempotency-Key", retryAfter: 1)
        }
    }
}

extension WebhookTargetRefused: Refusal {
    var problem: Problem { .invalid("url", reason) }
}
