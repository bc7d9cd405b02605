import Hummingbird
import NIOCore

/// Every problem `type` the broker sends, each with the page it resolves to: a problem document's
/// `type` is `/problems/<name>`, relative to the broker that sent it (RFC 9457 §3.1.1), so a client
/// or a person can open it and read what went wrong and what to do. `openapi.json` lists the same
/// names (a test holds the two, and the kinds the code sends, together).
enum ProblemTypes {
    struct Explanation: Sendable {
        let title: String
        let text: String
    }

    static let all: [String: Explanation] = [
        "invalid-request": .init(
            title: "Invalid request",
            text: "The request is malformed: a body field or query parameter has a value the API does not take, is missing, or is not one the endpoint reads. The member `field` names it (`purpose.code`, `years[1]`, a query parameter). Correct it and send the request again."
        ),
        "unauthorized": .init(
            title: "Authentication required",
            text: "The request carried no credential, or one the broker refused (unknown, revoked, expired, or a DPoP proof that does not hold). The `WWW-Authenticate` header names the scheme and the error. Obtain a valid credential and retry."
        ),
        "wrong-party": .init(
            title: "This key may not use this endpoint",
            text: "The credential is good but belongs to a party this operation is not for (a citizen's token on a bank endpoint, a bank's key on the auditors' log). Use the credential of the party the operation belongs to."
        ),
        "unknown-bank": .init(
            title: "The bank is not registered",
            text: "The bank the credential names is not (or no longer) registered with this broker. The broker's operator registers banks."
        ),
        "not-found": .init(
            title: "Not found",
            text: "No such resource, or one the caller may not see: another bank's consent is not found, exactly like one that never existed."
        ),
        "consent-forgotten": .init(
            title: "The consent ended and its personal data was removed",
            text: "The consent ended longer ago than the broker's retention period and its personal data left the live tables. The member `consent` says how and when it ended; its history stays on the consent log."
        ),
        "method-not-allowed": .init(
            title: "Method not allowed",
            text: "The path exists under other methods; the `Allow` header lists them."
        ),
        "consent-state": .init(
            title: "The consent does not allow this",
            text: "The consent's state does not allow the request (a bundle for a consent that is not active, a grant of one already decided, a withdrawal of one already ended). Read the consent to see its status."
        ),
        "exists": .init(
            title: "Already registered",
            text: "What the request would register exists already."
        ),
        "idempotency-in-progress": .init(
            title: "A request with this Idempotency-Key is in progress",
            text: "An earlier request with the same `Idempotency-Key` has not finished (or a retry took it over). Retry after `Retry-After` seconds to get its answer."
        ),
        "idempotency-key-reused": .init(
            title: "Idempotency-Key reused with a different request",
            text: "The `Idempotency-Key` was used before for a request with another method, path or body. Use a new key for a new request."
        ),
        "idempotency-expired": .init(
            title: "The bundle can no longer be replayed",
            text: "The `Idempotency-Key` belongs to a bundle that can no longer be sent again (the key that sealed it for replay is gone). Send the request with a new `Idempotency-Key`."
        ),
        "no-tax-data": .init(
            title: "The tax agency has no records for this person",
            text: "The tax agency holds no records for the consent's person, so no bundle can be issued. Nothing was issued and the consent's uses did not change."
        ),
        "body-too-large": .init(
            title: "Request body too large",
            text: "The request body is larger than the broker's configured limit."
        ),
        "unsupported-media-type": .init(
            title: "Unsupported media type",
            text: "The request body is not of a media type the endpoint reads (`application/json` for the API's bodies)."
        ),
        "rate-limited": .init(
            title: "Too many requests",
            text: "The caller is over its rate limit; nothing was done. Retry after `Retry-After` seconds; `RateLimit` and `RateLimit-Policy` say where the caller stands."
        ),
        "address-rate-limited": .init(
            title: "Too many requests from this address",
            text: "Too many requests from this address were unauthenticated or refused; nothing was done. Retry after `Retry-After` seconds, with a valid credential."
        ),
        "refusals-rate-limited": .init(
            title: "Too many requests for consents that cannot be used",
            text: "The bank asked too often for bundles of consents that are not usable; nothing was logged for this request. Retry after `Retry-After` seconds, and read the consent's status first."
        ),
        "log-not-witnessed": .init(
            title: "The fetch could not be proven on the witnessed log",
            text: "The broker releases data against its log: before it asks the tax agency it logs the fetch and needs a checkpoint covering that entry cosigned by enough witnesses to meet the agency's policy. The witnesses did not answer in time. The entry stays on the log with a `bundle.refused` after it; nothing was fetched and no use was counted. Retry after `Retry-After` seconds."
        ),
        "agency-failed": .init(
            title: "The tax agency could not deliver the data",
            text: "The tax agency answered with an error or could not be reached. No bundle was issued and the consent's uses did not change; retry after `Retry-After` seconds."
        ),
        "agency-timeout": .init(
            title: "The tax agency did not answer in time",
            text: "The tax agency did not answer within the broker's deadline. No bundle was issued and the consent's uses did not change; retry after `Retry-After` seconds."
        ),
        "database-unavailable": .init(
            title: "The database is unavailable",
            text: "The broker's database cannot be reached right now; nothing was done. Retry after `Retry-After` seconds."
        ),
        "not-ready": .init(
            title: "Not ready",
            text: "The broker cannot serve requests yet, or a dependency (the database, the tax agency) is unavailable; the members `database` and `agency` say which."
        ),
        "internal": .init(
            title: "Internal server error",
            text: "The broker failed in a way it did not expect. Nothing was half-written. The operator's log has the cause under the `requestId` the document carries: quote it."
        ),
        "http-error": .init(
            title: "HTTP error",
            text: "The request failed at the HTTP layer, before any operation read it; `status` and `title` say how."
        ),
    ]

    /// `GET /problems/{name}`: the page a problem's `type` resolves to.
    static func addRoutes(to router: Router<AppRequestContext>) {
        router.get("problems/{name}") { _, context in
            let name = try context.parameters.require("name")
            guard let explanation = all[name] else { throw Problem.notFound("no such problem type") }
            return Response(
                status: .ok,
                headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "public, max-age=86400"],
                body: .init(byteBuffer: ByteBuffer(string: page(name: name, explanation)))
            )
        }
    }

    /// The names and texts are the broker's own (no caller's input reaches the page), but escaped
    /// all the same so a later text with `<` or `&` stays text.
    static func page(name: String, _ explanation: Explanation) -> String {
        func escaped(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>\(escaped(explanation.title))</title></head>
            <body><h1>\(escaped(explanation.title))</h1>
            <p>Problem type <code>/problems/\(escaped(name))</code></p>
            <p>\(escaped(explanation.text))</p>
            </body></html>

            """
    }
}
