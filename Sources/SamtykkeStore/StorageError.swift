import Foundation
import SamtykkeCore

/// What the domain or the store's own rules refused (not found, already there, wrong state, an
/// `Idempotency-Key` in use): the caller's outcome, which the server answers with a 4xx problem
/// document. What the database itself failed at is a `StoreFailure`. Nothing is half-written when
/// either is thrown: every method runs in one transaction that rolls back on error.
public enum StorageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No such consent *for this caller*: another party's consent looks exactly like a missing one.
    case consentNotFound
    /// The consent ended longer ago than the retention period and its personal data was removed;
    /// only for the parties who could see it (anyone else gets `consentNotFound`).
    case consentForgotten(ForgottenConsent)
    case bankNotFound(OrgNumber)
    case bankExists(OrgNumber)
    case auditorExists(String)
    /// The bank already has a public key with this `kid`.
    case bankKeyExists(OrgNumber, kid: String)
    /// The domain refused the change (illegal transition, invalid input).
    case refused(DomainError)
    /// Another request with the same `Idempotency-Key` is still running.
    case idempotencyInProgress
    /// The `Idempotency-Key` was first used with a different request.
    case idempotencyMismatch
    /// This request's claim on its `Idempotency-Key` was taken over by a retry (it ran too long).
    case idempotencyClaimLost

    public var description: String {
        switch self {
        case .consentNotFound: "no such consent"
        case .consentForgotten(let forgotten):
            "consent \(forgotten.id) ended (\(forgotten.status.rawValue)) at \(RFC3339.string(from: forgotten.endedAt)); its personal data was removed at \(RFC3339.string(from: forgotten.forgottenAt)), after the retention period, and its history is on the consent log"
        case .bankNotFound(let org): "no bank with organisation number \(org) is registered"
        case .bankExists(let org): "a bank with organisation number \(org) is already registered"
        case .auditorExists(let name): "an auditor named \(name) is already registered"
        case .bankKeyExists(let org, let kid): "bank \(org) already has a key with kid \(kid)"
        case .refused(let error): error.description
        case .idempotencyInProgress: "a request with this Idempotency-Key is still in progress"
        case .idempotencyMismatch: "this Idempotency-Key was used with a different request"
        case .idempotencyClaimLost: "a retry took over this request's Idempotency-Key"
        }
    }
}
