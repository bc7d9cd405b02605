import Foundation
import Hummingbird
import SamtykkeCore
import SamtykkeJOSE
import SamtykkeStore

/// The bank routes' credentials (SPEC §2c): an access token from `/v1/token` under
/// `Authorization: DPoP` with a fresh proof (or as Bearer, unless `--require-dpop`), or an API key
/// as Bearer (unless `--no-api-keys`). The bank is always the one the token was issued to.
struct BankAuthenticator: RouterMiddleware {
    typealias Context = AppRequestContext
    /// Nil with `--no-api-keys`.
    let apiKeys: APIKeyAuthenticator?
    let tokens: AccessToken.Verifier
    /// Where an access token's granting key is looked up (SPEC §2: a revoked credential is refused
    /// within a second), remembered as API keys are.
    let grantKeys: any BankKeyStore
    let recentGrantKeys = RecentKeys()
    /// `serve --require-dpop`: access tokens only with a DPoP proof, never as Bearer.
    let requireDPoP: Bool
    /// Where the `jti`s of DPoP proofs are recorded: with the log's next batch.
    let uses: LogSequencer
    let clock: @Sendable () -> Date
    /// The broker's public base URL (`Broker.publicBase`): the tokens' issuer and the base of DPoP's `htu`.
    let publicBase: @Sendable () -> String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let (scheme, credential) = try authorization(request, schemes: [.bearer, .dpop])
        if scheme == .dpop {
            return try await authenticated(as: try await dpopBound(credential, request: request), credential: "dpop", request, context, next)
        }
        guard AccessToken.looksLikeJWT(credential) else {
            guard let apiKeys else { throw Problem.unauthorized("API keys are turned off on this broker; use an access token from /v1/token", bearerError: "invalid_token") }
            return try await apiKeys.handle(request, context: context, next: next)
        }
        guard !requireDPoP else {
            throw Problem.unauthorized("this broker accepts access tokens only with DPoP: send Authorization: DPoP and a DPoP proof", dpopError: "invalid_token")
        }
        let claims = try verifiedToken(credential, scheme: .bearer)
        // RFC 9449 §7.1: a token bound to a key is no bearer token.
        guard claims.cnf == nil else { throw Problem.unauthorized("this access token is DPoP-bound: send it as Authorization: DPoP with a proof", dpopError: "invalid_token") }
        return try await authenticated(as: try await bank(claims), credential: "access-token", request, context, next)
    }

    private func authenticated(as bank: OrgNumber, credential: String, _ request: Request, _ context: Context, _ next: (Request, Context) async throws -> Response) async throws -> Response {
        context.caller = .bank(bank)
        context.credential = credential
        return try await next(request, context)
    }

    /// The bank the token was issued to, while the key that granted it is still registered.
    private func bank(_ claims: AccessToken, scheme: CredentialScheme = .bearer) async throws -> OrgNumber {
        guard let org = try? OrgNumber(claims.sub) else { throw scheme.refused("the access token names no bank", error: "invalid_token") }
        let key = claims.bank_key
        let registered = try await recentGrantKeys.principal(of: "\(org.digits) \(key.kid) \(key.jwk_sha256)") {
            guard let stored = try await grantKeys.publicKey(of: org, kid: key.kid),
                AccessToken.GrantKey(kid: stored.kid, jwk: stored.jwk) == key
            else { return nil }
            return .bank(org)
        }
        guard registered != nil else {
            throw scheme.refused("the bank's key that this access token was granted under is no longer registered", error: "invalid_token")
        }
        return org
    }

    private func verifiedToken(_ token: String, scheme: CredentialScheme) throws -> AccessToken {
        do {
            return try tokens.verify(token, issuer: publicBase(), now: clock())
        } catch {
            throw scheme.refused("the access token was refused: \(error)", error: "invalid_token")
        }
    }

    /// RFC 9449 §7.1: the token bound to a key, and a fresh proof by that key for this request.
    private func dpopBound(_ token: String, request: Request) async throws -> OrgNumber {
        let claims = try verifiedToken(token, scheme: .dpop)
        guard let jkt = claims.cnf?.jkt else {
            throw Problem.unauthorized("this access token is not DPoP-bound; send it as Bearer", dpopError: "invalid_token")
        }
        let proofs = request.headers[values: .dpop]
        guard proofs.count == 1, let proofText = proofs.first else {
            throw Problem.unauthorized("send one DPoP proof header with a DPoP access token", dpopError: "invalid_dpop_proof")
        }
        let now = clock()
        let proof: DPoPProof
        do {
            proof = try await DPoPProof.verify(proofText, method: request.method.rawValue, url: publicBase() + request.uri.path, accessToken: token, now: now)
        } catch {
            throw Problem.unauthorized("the DPoP proof was refused: \(error)", dpopError: "invalid_dpop_proof")
        }
        guard proof.thumbprint == jkt else {
            throw Problem.unauthorized("the DPoP proof is signed by another key than the one the token is bound to", dpopError: "invalid_dpop_proof")
        }
        // Before the proof's jti is spent: a token of a removed key costs no log write.
        let bank = try await bank(claims, scheme: .dpop)
        guard try await uses.useOnce(proof.jti, namespace: "dpop:\(claims.jti)", expiresAt: proof.freshUntil, now: now) else {
            throw Problem.unauthorized("the DPoP proof's jti was used before with this token", dpopError: "invalid_dpop_proof")
        }
        return bank
    }
}
