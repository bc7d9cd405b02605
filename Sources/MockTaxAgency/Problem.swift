import Foundation
import Hummingbird
import LogRelease

/// An RFC 9457 problem document, the body of every error the agency sends.
///
/// `detail` never repeats a token or a national identity number: the broker already knows what it
/// sent, and problem bodies tend to end up in logs.
struct Problem: HTTPResponseError, Encodable {
    let status: HTTPResponse.Status
    let type: String
    let title: String
    let detail: String
    /// Headers the failure itself calls for, such as `Allow` on a 405.
    let headers: HTTPFields

    init(status: HTTPResponse.Status, slug: String, title: String, detail: String) {
        self.status = status
        self.type = "urn:samtykke:problem:tax-agency:\(slug)"
        self.title = title
        self.detail = detail
        // RFC 6750 §3: a 401 for a bearer-protected resource names the scheme it wants.
        self.headers = status == .unauthorized ? [.wwwAuthenticate: "Bearer"] : [:]
    }

    /// A problem for an HTTP-level failure (unknown route, wrong method, oversized body) where the
    /// status says it all; RFC 9457 §4.2.1 calls for `about:blank` there.
    init(status: HTTPResponse.Status, detail: String, headers: HTTPFields = [:]) {
        self.status = status
        self.type = "about:blank"
        self.title = status.reasonPhrase
        self.detail = detail
        self.headers = headers
    }

    static let missingToken = Problem(
        status: .unauthorized, slug: "missing-token", title: "Consent token required",
        detail: "send the consent token as Authorization: Bearer <token>"
    )

    static func invalidToken(_ why: String) -> Problem {
        Problem(status: .unauthorized, slug: "invalid-token", title: "Consent token rejected", detail: why)
    }

    static func certificateMismatch(_ why: String) -> Problem {
        Problem(status: .forbidden, slug: "certificate-mismatch", title: "Token not bound to this client certificate", detail: why)
    }

    static func invalidPersonId(_ why: String) -> Problem {
        Problem(status: .badRequest, slug: "invalid-person-id", title: "Invalid national identity number", detail: why)
    }

    static let personMismatch = Problem(
        status: .forbidden, slug: "person-not-covered", title: "Person not covered by the consent token",
        detail: "the consent token was issued for a different person"
    )

    /// SPEC §5: which of the four checks refused, and why.
    static func releaseRefused(_ refusal: ReleaseRefusal) -> Problem {
        let slug = switch refusal.check {
        case .proof: "release-log-proof"
        case .entry: "release-log-entry"
        case .monitor: "release-log-monitor"
        case .release: "release-once-per-entry"
        }
        return Problem(status: .forbidden, slug: slug, title: "Not released: the \(refusal.check.name) check failed", detail: refusal.description)
    }

    static let unknownPerson = Problem(
        status: .notFound, slug: "unknown-person", title: "No tax records",
        detail: "the tax agency holds no records for this person"
    )

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(self))))
    }

    private enum CodingKeys: String, CodingKey { case type, title, status, detail }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        try container.encode(title, forKey: .title)
        try container.encode(status.code, forKey: .status)
        try container.encode(detail, forKey: .detail)
    }
}
