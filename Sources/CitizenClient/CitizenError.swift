import BrokerClient
import Foundation
import SamtykkeAPI
import SamtykkeCore

/// A consent command that could not do what the citizen asked, in the citizen's terms: one sentence
/// in their language; what the broker or the network said (HTTP status, problem document) only on
/// request (`--verbose`).
public struct CitizenError: Error, Sendable {
    public enum Reason: Sendable {
        case notFound
        /// The consent ended (a terminal status) at that time: nothing can be done with it.
        case ended(ConsentStatus, at: Date)
        /// Granted then, and still active: it can be revoked, not granted or denied.
        case inForce(grantedAt: Date, id: String)
        /// Still a pending request: it can be granted or denied, not revoked.
        case notYetGranted(id: String)
        /// Ended at that time, and removed after the retention period.
        case forgotten(ConsentStatus, at: Date)
        case loginExpired
        case loginRefused
        /// The session `samtykke login` kept has ended (or was ended): log in again.
        case sessionEnded
        /// No session and no ID token: log in first.
        case notLoggedIn
        /// The broker has no ID provider to log in with.
        case noLogin
        /// The login at the ID provider did not come through (refused, abandoned, or something else
        /// answered at the loopback redirect).
        case loginFailed
        /// The session file could not be written or removed.
        case sessionNotKept(String)
        case busy
        case brokerTrouble
        case unreachable(server: String)
        case unreadable
        case refused
        /// The answer's receipt does not prove the decision is on the log.
        case receiptRefused
        /// The citizen did not answer yes at the question.
        case declined(CitizenAction)
    }

    public let reason: Reason
    /// What the broker or the network said, for `--verbose`.
    public let detail: String?

    public init(_ reason: Reason, detail: String? = nil) {
        self.reason = reason
        self.detail = detail
    }

    /// The sentence for the citizen: times in `timeZone`, days in words relative to `now`.
    public func sentence(_ strings: CitizenStrings, in timeZone: TimeZone, now: Date, verbose: Bool = false) -> String {
        let day = { LocalTime.day($0, in: timeZone, strings: strings, now: now) }
        let sentence = switch reason {
        case .notFound: strings.notFound
        case .ended(let status, let at): strings.ended(status, day(at))
        case .inForce(let grantedAt, let id): strings.alreadyGranted(day(grantedAt), id)
        case .notYetGranted(let id): strings.notYetGranted(id)
        case .forgotten(let status, let at): strings.forgotten(status, day(at))
        case .loginExpired: strings.loginExpired
        case .loginRefused: strings.loginRefused
        case .sessionEnded: strings.sessionEnded
        case .notLoggedIn: strings.notLoggedIn
        case .noLogin: strings.noLogin
        case .loginFailed: strings.loginFailed
        case .sessionNotKept(let path): strings.sessionNotKept(FreeText.escaped(path))
        case .busy: strings.busy
        case .brokerTrouble: strings.brokerTrouble
        case .unreachable(let server): strings.unreachable(FreeText.escaped(server))
        case .unreadable: strings.unreadable
        case .refused: strings.refused
        case .receiptRefused: strings.receiptRefused
        case .declined(let action): strings.declined(action)
        }
        guard verbose, let detail else { return sentence }
        return "\(sentence) [\(FreeText.escaped(detail))]"
    }

    /// Why `action` cannot be done to `consent` as it stands; nil when it can.
    public static func conflict(_ action: CitizenAction, _ consent: ConsentView, detail: String? = nil) -> CitizenError? {
        let changed = RFC3339.date(from: consent.statusChangedAt) ?? Date()
        switch (consent.status, action) {
        case (.pending, .grant), (.pending, .deny), (.active, .revoke):
            return nil
        case (.active, _):
            return CitizenError(.inForce(grantedAt: consent.grantedAt.flatMap(RFC3339.date(from:)) ?? changed, id: consent.id), detail: detail)
        case (.pending, .revoke):
            return CitizenError(.notYetGranted(id: consent.id), detail: detail)
        case (let status, _):
            return CitizenError(.ended(status, at: changed), detail: detail)
        }
    }

    /// What the broker client threw, in the citizen's terms. `idToken` tells a login that expired
    /// from one that was refused for another reason.
    public static func from(_ error: any Error, idToken: String, now: Date) -> CitizenError {
        from(error, credential: .idToken(idToken), now: now)
    }

    /// The same for either credential: a refused session has ended, and the way on is `samtykke login`.
    public static func from(_ error: any Error, credential: CitizenCredential, now: Date) -> CitizenError {
        switch error {
        case let error as CitizenError:
            return error
        case let problem as BrokerClient.Problem:
            if problem.status == 410, let remains = problem.consent, let ended = RFC3339.date(from: remains.endedAt) {
                return CitizenError(.forgotten(remains.status, at: ended), detail: "HTTP \(problem)")
            }
            return CitizenError(reason(status: problem.status, credential: credential, now: now), detail: "HTTP \(problem)")
        case BrokerClientError.status(let status):
            return CitizenError(reason(status: status, credential: credential, now: now), detail: "HTTP \(status)")
        case BrokerClientError.unreachable(let server, let cause):
            return CitizenError(.unreachable(server: server), detail: "\(cause)")
        case BrokerClientError.unreadable(let cause):
            return CitizenError(.unreadable, detail: "\(cause)")
        default:
            return CitizenError(.refused, detail: "\(error)")
        }
    }

    private static func reason(status: Int, credential: CitizenCredential, now: Date) -> Reason {
        switch (status, credential) {
        case (401, .session): .sessionEnded
        case (401, .idToken(let idToken)), (403, .idToken(let idToken)): hasExpired(idToken, now: now) ? .loginExpired : .loginRefused
        case (403, .session): .loginRefused
        case (404, _), (410, _): .notFound
        case (429, _): .busy
        case (500..., _): .brokerTrouble
        default: .refused
        }
    }

    /// Whether the token's `exp` has passed. Read without checking the signature: it only picks
    /// the words for a refusal the broker already made.
    static func hasExpired(_ token: String, now: Date) -> Bool {
        struct Expiry: Decodable { let exp: Double? }
        guard let exp = UnverifiedJWT.payload(of: token, as: Expiry.self)?.exp else { return false }
        return Date(timeIntervalSince1970: exp) <= now
    }
}
