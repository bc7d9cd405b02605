import Foundation
import Hummingbird
import SamtykkeCore
import SamtykkeStore

/// An RFC 9457 problem document: the one shape every error of the API takes.
public struct Problem: Error, HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    /// A short, stable slug; the document's `type` is this under the problem namespace.
    public let kind: String
    public let title: String
    public let detail: String?
    /// The request field at fault, when there is one.
    public let field: String?
    /// Seconds after which a retry may succeed (sent as `Retry-After` too).
    public let retryAfter: Int?
    /// For a 405: the methods the resource does support, sent as `Allow`.
    public let allow: [String]?
    /// For a 401: the RFC 6750 §3.1 error code of the `WWW-Authenticate: Bearer` challenge, absent
    /// when the request carried no Bearer credential at all.
    public let bearerError: String?
    /// For a 401 on a DPoP credential: the RFC 9449 §7.1 error of the `WWW-Authenticate: DPoP`
    /// challenge, which then replaces the Bearer one.
    var dpopError: String?
    /// For a 410: what is left of a consent the retention period removed.
    private(set) var forgotten: ForgottenView?
    /// For `/readyz`'s 503: which dependency is unavailable and why.
    private(set) var readiness: PublicController.Readiness?

    /// Relative to the broker (RFC 9457 §3.1.1): each type is a page it serves (`ProblemTypes`).
    public static let typeBase = "/problems/"

    public init(_ status: HTTPResponse.Status, _ kind: String, _ title: String, detail: String? = nil, field: String? = nil, retryAfter: Int? = nil, allow: [String]? = nil, bearerError: String? = nil) {
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.field = field
        // RFC 6585 lets a 429 omit it, but a client that is told to slow down must be told for how
        // long: every 429 carries one, whichever limit sent it.
        self.retryAfter = status == .tooManyRequests ? retryAfter ?? 1 : retryAfter
        self.allow = allow
        self.bearerError = bearerError
    }

    /// A consent its bank or citizen saw, forgotten since: 410 with its remains under `consent`.
    static func forgotten(_ forgotten: ForgottenConsent) -> Problem {
        var problem = Problem(
            .gone, "consent-forgotten", "The consent ended and its personal data was removed",
            detail: "this consent ended (\(forgotten.status.rawValue)) at \(RFC3339.string(from: forgotten.endedAt)) and its details were removed at "
                + "\(RFC3339.string(from: forgotten.forgottenAt)), after the broker's retention period; its history stays on the consent log"
        )
        problem.forgotten = ForgottenView(forgotten)
        return problem
    }

    /// The `consent` member of a 410: what the live tables keep, nothing about the person.
    struct ForgottenView: Encodable, Sendable {
        let id: String
        let bankOrg: String
        let status: ConsentStatus
        let createdAt: String
        let endedAt: String
        let forgottenAt: String

        init(_ forgotten: ForgottenConsent) {
            id = forgotten.id.description
            bankOrg = forgotten.bankOrg.digits
            status = forgotten.status
            createdAt = RFC3339.string(from: forgotten.createdAt)
            endedAt = RFC3339.string(from: forgotten.endedAt)
            forgottenAt = RFC3339.string(from: forgotten.forgottenAt)
        }
    }

    struct Document: Encodable {
        let type: String
        let title: String
        let status: Int
        let detail: String?
        let field: String?
        let instance: String?
        let retryAfter: Int?
        /// The `Request-Id` the response carries too: what a caller quotes to the operator.
        let requestId: String
        let consent: ForgottenView?
        let database: String?
        let agency: String?
        let witnesses: String?
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let document = Document(
            type: Self.typeBase + kind,
            title: title,
            status: status.code,
            detail: detail,
            field: field,
            instance: request.uri.path,
            retryAfter: retryAfter,
            requestId: context.id,
            consent: forgotten,
            database: readiness?.database,
            agency: readiness?.agency,
            witnesses: readiness?.witnesses
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if let allow { headers[.allow] = allow.joined(separator: ", ") }
        if status == .unauthorized {
            headers[.wwwAuthenticate] = dpopError.map { #"DPoP algs="ES256 RS256", error="\#($0)""# } ?? bearerError.map { #"Bearer error="\#($0)""# } ?? "Bearer"
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(document))))
    }

    /// `/readyz` when the database, the agency or the witnesses are unavailable, naming which.
    static func notReady(_ readiness: PublicController.Readiness) -> Problem {
        var problem = Problem(
            .serviceUnavailable, "not-ready", "Not ready", detail: "unavailable: \(readiness.unavailable.joined(separator: ", "))", retryAfter: 1
        )
        problem.readiness = readiness
        return problem
    }

    static func notFound(_ what: String = "no such resource", field: String? = nil) -> Problem {
        Problem(.notFound, "not-found", "Not found", detail: what, field: field)
    }

    /// No Bearer credential was sent: the challenge names no error (RFC 6750 §3.1).
    static func unauthorized(_ detail: String) -> Problem {
        Problem(.unauthorized, "unauthorized", "Authentication required", detail: detail)
    }

    /// A Bearer credential was sent and refused; `bearerError` is `invalid_token`, or
    /// `invalid_request` when the request itself was malformed.
    static func unauthorized(_ detail: String, bearerError: String) -> Problem {
        Problem(.unauthorized, "unauthorized", "Authentication required", detail: detail, bearerError: bearerError)
    }

    /// A DPoP credential was sent and refused: `invalid_token` or `invalid_dpop_proof`.
    static func unauthorized(_ detail: String, dpopError: String) -> Problem {
        var problem = Problem(.unauthorized, "unauthorized", "Authentication required", detail: detail)
        problem.dpopError = dpopError
        return problem
    }

    static func invalid(_ field: String?, _ detail: String) -> Problem {
        Problem(.badRequest, "invalid-request", "Invalid request", detail: detail, field: field)
    }
}
