import Foundation
import HTTPTypes
import Hummingbird
import Metrics
import NIOCore
import SamtykkeCore
import SamtykkeJOSE
import SamtykkeStore

/// `POST /v1/token` (SPEC §2c): a bank trades an RFC 7523 grant assertion, signed with a key it
/// registered, for an access token; with a DPoP proof the token is bound to the proof's key.
/// Answers are RFC 6749's JSON, never problem documents.
struct TokenController {
    let store: any BankKeyStore
    /// Where the `jti`s of assertions and proofs are recorded: with the log's next batch.
    let uses: LogSequencer
    /// Signs the access tokens.
    let signer: ES256Signer
    /// `serve --require-dpop`: access tokens only with a DPoP proof.
    let requireDPoP: Bool
    let maxBodyBytes: Int
    let clock: @Sendable () -> Date
    /// The broker's public base URL (`Broker.publicBase`): the tokens' issuer and the audience of assertions.
    let publicBase: @Sendable () -> String
    /// The limiter of banks' API calls: a grant counts against the bank's rate like any call.
    let limiter: RateLimiter

    static let grantsMetric = "samtykke_token_grants_total"
    static let refusalsMetric = "samtykke_token_refusals_total"

    /// RFC 6749 §5.2 and RFC 7523 §3.1 error codes, and RFC 9449 §5's.
    enum Refusal: String, CaseIterable {
        case invalidRequest = "invalid_request"
        case unsupportedGrantType = "unsupported_grant_type"
        case invalidGrant = "invalid_grant"
        case invalidScope = "invalid_scope"
        case invalidDPoPProof = "invalid_dpop_proof"
    }

    struct Refused: Error {
        let refusal: Refusal
        let description: String

        /// RFC 6749 §5.2: `error_description` is printable ASCII without `"` and `\`.
        init(_ refusal: Refusal, _ description: String) {
            self.refusal = refusal
            self.description = String(String.UnicodeScalarView(description.unicodeScalars.filter { $0.value >= 0x20 && $0.value <= 0x7E && $0 != "\"" && $0 != "\\" }))
        }
    }

    /// The form's parameters; a parameter given twice fails the decoder (`duplicateKeys`).
    struct Form: Decodable {
        let grant_type: String?
        let assertion: String?
        let scope: String?
    }

    struct Granted: Encodable {
        let access_token: String
        let token_type: String
        let expires_in: Int
        let scope: String
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.post("v1/token") { request, context in
            do {
                let granted = try await grant(request, context: context)
                Counter(label: Self.grantsMetric, dimensions: [("token_type", granted.token_type)]).increment()
                return try Self.answer(.ok, granted)
            } catch let refused as Refused {
                Counter(label: Self.refusalsMetric, dimensions: [("reason", refused.refusal.rawValue)]).increment()
                context.logger.notice("token request refused", metadata: ["reason": "\(refused.refusal.rawValue)", "detail": "\(refused.description)"])
                struct Body: Encodable {
                    let error: String
                    let error_description: String
                }
                return try Self.answer(.badRequest, Body(error: refused.refusal.rawValue, error_description: refused.description))
            }
        }
    }

    static func registerSeries() {
        for token in ["DPoP", "Bearer"] { _ = Counter(label: grantsMetric, dimensions: [("token_type", token)]) }
        for refusal in Refusal.allCases { _ = Counter(label: refusalsMetric, dimensions: [("reason", refusal.rawValue)]) }
    }

    /// RFC 6749 §5.1: JSON, never cached.
    private static func answer(_ status: HTTPResponse.Status, _ body: some Encodable) throws -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json", .cacheControl: "no-store", .pragma: "no-cache"],
            body: .init(byteBuffer: ByteBuffer(bytes: try JSONIO.bytes(body)))
        )
    }

    private func grant(_ request: Request, context: AppRequestContext) async throws -> Granted {
        let form = try await Self.form(request, limit: maxBodyBytes)
        guard let grantType = form.grant_type else { throw Refused(.invalidRequest, "grant_type is missing") }
        guard grantType == JWTBearerAssertion.grantType else { throw Refused(.unsupportedGrantType, "only \(JWTBearerAssertion.grantType) is supported") }
        guard let assertion = form.assertion, !assertion.isEmpty else { throw Refused(.invalidRequest, "assertion is missing") }
        guard assertion.utf8.count <= maxCredentialBytes else { throw Refused(.invalidGrant, "the assertion is longer than \(maxCredentialBytes) bytes") }
        if let scope = form.scope, scope != JWTBearerAssertion.scope { throw Refused(.invalidScope, "scope must be \(JWTBearerAssertion.scope)") }
        let now = clock()
        let base = publicBase()
        let tokenURL = base + "/v1/token"
        // The proof is judged and spent before the assertion is, so a bad or replayed proof does
        // not burn the assertion's jti (spending a proof's jti on a bad assertion costs nothing).
        let proof = try await dpopProof(request, url: tokenURL, now: now)
        if requireDPoP, proof == nil { throw Refused(.invalidRequest, "this broker issues DPoP-bound tokens only; send a DPoP proof") }
        if let proof {
            guard try await uses.useOnce(proof.jti, namespace: "dpop-token-request", expiresAt: proof.freshUntil, now: now) else {
                throw Refused(.invalidDPoPProof, "the DPoP proof's jti was used before")
            }
        }
        let (bank, key) = try await verified(assertion, audience: tokenURL, now: now)
        let token = AccessToken(issuer: base, bank: bank, key: AccessToken.GrantKey(kid: key.kid, jwk: key.jwk), now: now, thumbprint: proof?.thumbprint)
        context.caller = .bank(bank)
        context.credential = "jwt-bearer-assertion"
        return Granted(
            access_token: try token.signed(by: signer), token_type: proof == nil ? "Bearer" : "DPoP",
            expires_in: AccessToken.lifetime, scope: token.scope
        )
    }

    private static func form(_ request: Request, limit: Int) async throws -> Form {
        var request = request
        let contentType = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard contentType == "application/x-www-form-urlencoded" else {
            throw Refused(.invalidRequest, "the body must be application/x-www-form-urlencoded")
        }
        let body = try await request.collectBody(upTo: limit)
        do {
            return try URLEncodedFormDecoder().decode(Form.self, from: String(buffer: body))
        } catch let error as URLEncodedFormError where error.code == .duplicateKeys {
            throw Refused(.invalidRequest, "a parameter is given more than once")
        } catch {
            throw Refused(.invalidRequest, "the form could not be read: each of grant_type, assertion and scope once, as text")
        }
    }

    private func dpopProof(_ request: Request, url: String, now: Date) async throws -> DPoPProof? {
        let proofs = request.headers[values: .dpop]
        guard let proof = proofs.first else { return nil }
        guard proofs.count == 1 else { throw Refused(.invalidDPoPProof, "send one DPoP header") }
        do {
            return try await DPoPProof.verify(proof, method: request.method.rawValue, url: url, accessToken: nil, now: now)
        } catch {
            throw Refused(.invalidDPoPProof, "\(error)")
        }
    }

    /// The bank the assertion proves and its key that signed it, or `invalid_grant` naming the rule it
    /// broke (`invalid_scope` when only its scope is wrong); a bank over its rate gets 429 and its
    /// assertion stays unspent.
    private func verified(_ assertion: String, audience: String, now: Date) async throws -> (OrgNumber, RegisteredKey) {
        let naming: JWTBearerAssertion.Naming
        let key: RegisteredKey
        do {
            naming = try JWTBearerAssertion.naming(assertion, audience: audience, now: now)
            // No key under that kid and a key that does not verify are one answer (see `naming`).
            guard let registered = try await store.publicKey(of: naming.bank, kid: naming.kid),
                (try? await BankJWK(stored: registered.jwk).verify(assertion, as: JWTBearerAssertion.self, typ: nil)) != nil
            else { throw JOSEError.badSignature("no key bank \(naming.bank) registered under this kid verifies the assertion") }
            key = registered
        } catch let error as JOSEError {
            throw Refused(.invalidGrant, "\(error)")
        }
        let claims = naming.claims
        guard claims.scope == JWTBearerAssertion.scope else { throw Refused(.invalidScope, "the assertion's scope claim must be \(JWTBearerAssertion.scope)") }
        // The bank's own rate, shared with its API calls: paid by grants only, so a replayed or
        // refused assertion costs the address it came from (the per-address limit), not the bank.
        let caller = Caller.bank(naming.bank)
        if let wait = limiter.wait(for: caller) { throw Problem.rateLimited(wait: wait) }
        // Kept a minute past `exp`: another instance whose clock runs that much behind still takes
        // the assertion as live, and must still find its jti.
        let expires = Date(timeIntervalSince1970: TimeInterval(claims.exp + 60))
        guard try await uses.useOnce(claims.jti, namespace: "assertion:\(naming.bank.digits)", expiresAt: expires, now: now) else {
            throw Refused(.invalidGrant, "the assertion's jti was used before")
        }
        limiter.spend(for: caller)
        return (naming.bank, key)
    }
}

extension HTTPField.Name {
    static let dpop = Self("DPoP")!
    /// RFC 6749 §5.1 asks for it beside Cache-Control, for HTTP/1.0 caches.
    static let pragma = Self("Pragma")!
}
