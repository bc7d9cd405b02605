import AgencyClient
import Foundation
import LogRelease
import Logging
import Metrics
import SamtykkeAPI
import SamtykkeCore
import SamtykkeJOSE
import SamtykkeStore
import Tracing
import TransparencyLog

/// Issues a bundle: check the consent, fetch from the agency with a consent token (reused while it
/// lives), sign, and log. The log entry commits before the bundle leaves, and if the consent stopped
/// being usable while the data was in flight the bundle is discarded, so a bank never holds a bundle
/// the log lacks.
struct BundleService: Sendable {
    let parts: Parts
    let seal: Seal
    let refusals: RateLimiter
    let agencyHealth: DependencyHealth
    let tokens = ConsentTokenCache()

    /// What issuing reads, signs with and commits through, of all the broker holds; `buildRouter`
    /// hands it over.
    struct Parts: Sendable {
        let store: any ConsentStore & IdempotencyStore
        let committer: ConsentCommitter
        /// Proofs for consent tokens under release against the log, and receipts for replays.
        let receipts: LogReceipts
        /// What the witnesses cosigned, appended to a replay's receipt.
        let cosignatures: HeldCosignatures
        let agency: any TaxAgency
        /// Signs bundles and consent tokens, and seals the bundles kept for replay.
        let signer: ES256Signer
        /// `iss` of bundles and consent tokens.
        let issuer: String
        /// `aud` of consent tokens: the agency's identifier.
        let agencyAudience: String
        /// base64url SHA-256 of the broker's client certificate (DER), bound into consent tokens.
        let clientCertificateSHA256: String
        /// With `serve --agency-log-policy`, release against the log (SPEC §5): checkpoints cosigned
        /// by the agency's quorum. Nil fetches with a kept consent token.
        let cosigner: (any CheckpointCosigner)?
        /// The whole agency fetch of one bundle request, retries included, must fit in this.
        let bundleDeadline: Duration
        /// Bundle requests a bank may make for consents that are not usable (`Broker.Limits.refusalRate`).
        let refusalRate: RateLimiter.Rule
        /// The broker's time (`Broker.now`).
        let now: @Sendable () -> Date
    }

    init(_ parts: Parts, agencyHealth: DependencyHealth) {
        self.parts = parts
        self.seal = Seal(signer: parts.signer, purpose: .idempotentBundle)
        self.refusals = RateLimiter(rule: parts.refusalRate)
        self.agencyHealth = agencyHealth
    }

    /// `samtykke_bundles_refused_total`'s reasons: the consent did not allow it, or the agency failed.
    static let refusalReasons = ["consent-unusable", "log-not-witnessed"] + AgencyError.metricReasons

    /// An answer to a bundle request: the bundle's id (its `jti`) names it, and `replayed` says the
    /// answer is an earlier request's, repeated for a retry with its `Idempotency-Key`.
    struct Issued {
        let answer: BundleAnswer
        let bundleID: String
        let replayed: Bool
    }

    /// `{bundle, auditReceipt}`, or, for a retry under the same `Idempotency-Key`, the same bundle
    /// again (no second use) with a receipt against the newest checkpoint and its cosignatures.
    func issue(_ id: ConsentID, for bank: OrgNumber, idempotency: IdempotencyKey?, logger: Logger) async throws -> Issued {
        let claim: IdempotencyClaim?
        let outcome: IdempotencyOutcome? = if let idempotency { try await parts.store.claim(idempotency, now: parts.now()) } else { nil }
        switch outcome {
        case .replay(let result)?:
            let answer = try await replay(result, for: bank)
            return Issued(answer: answer, bundleID: try Self.bundleID(of: answer.bundle), replayed: true)
        case .inProgress?: throw StorageError.idempotencyInProgress
        case .mismatch?: throw StorageError.idempotencyMismatch
        case .proceed(let claimed)?: claim = claimed
        case nil: claim = nil
        }
        do {
            return try await fetchAndIssue(id, for: bank, claim: claim, logger: logger)
        } catch {
            if let error = error as? StorageError, case .refused = error {
                Counter(label: SamtykkeMetrics.bundlesRefused, dimensions: [("reason", "consent-unusable")]).increment()
                await tokens.forget(id)
            }
            // A refusal or an agency failure issued nothing: the key is free for a retry. (A refusal
            // committed through the log already gave it back; releasing twice is harmless.)
            if let claim { try? await parts.store.release(claim) }
            throw error
        }
    }

    private func fetchAndIssue(_ id: ConsentID, for bank: OrgNumber, claim: IdempotencyClaim?, logger: Logger) async throws -> Issued {
        let deadline = ContinuousClock.now.advanced(by: parts.bundleDeadline)
        var consent = try await parts.store.consent(id, for: .bank(bank))
        do {
            try consent.checkUsable(at: parts.now())
        } catch {
            if let wait = refusals.take(for: Caller.bank(bank)) {
                throw Problem(
                    .tooManyRequests, "refusals-rate-limited", "Too many requests for consents that cannot be used",
                    detail: "this consent is not usable; nothing was logged for this request; retry after \(wait) s", retryAfter: wait
                )
            }
            // Not usable: the refusal (and any expiry that came due) goes on the log, decided again
            // inside the transaction on the row as it stands.
            let outcome = try await parts.committer.commit(.act(id, by: .bank(bank), .requireUsable(for: bank)))
            consent = try outcome.acceptedConsent()
        }

        let fetched: AgencyResponse
        let token: String
        let dataRequested: UInt64?
        if let cosigner = parts.cosigner {
            (consent, token, dataRequested) = try await loggedFetch(id, for: bank, cosigner: cosigner)
        } else {
            (token, dataRequested) = (try await consentToken(for: consent), nil)
        }
        let started = ContinuousClock.now
        do throws(AgencyError) {
            fetched = try await traced("agency call", ofKind: .client) { () async throws(AgencyError) in
                try await parts.agency.taxData(for: consent.terms.personId, consentToken: token, deadline: deadline)
            }
            await agencyCall(since: started, failed: nil)
        } catch {
            await agencyCall(since: started, failed: error)
            // Per request at debug only: an outage is logged once, at error, by the agency's health.
            logger.debug("agency call failed", metadata: ["consent": "\(id)", "reason": "\(error.reason)"])
            Counter(label: SamtykkeMetrics.agencyErrors, dimensions: [("reason", error.metricReason)]).increment()
            Counter(label: SamtykkeMetrics.bundlesRefused, dimensions: [("reason", error.metricReason)]).increment()
            _ = try await parts.committer.commit(.act(id, by: .bank(bank), .refuseBundle(reason: error.reason, for: bank)))
            throw Self.problem(for: error)
        }

        let fetchedAt = parts.now()
        let claims = BundleClaims(
            issuer: parts.issuer,
            bundleID: UUID.randomVersion4(),
            consent: consent,
            data: fetched.data,
            agency: parts.agency.name,
            fetchedAt: fetchedAt,
            sourceSHA256: Hash(sha256Of: fetched.body).hex,
            now: fetchedAt
        )
        let jws = try parts.signer.sign(bundle: claims)
        let issue = BundleIssue(
            bundleID: claims.jti,
            bundleSHA256: Hash(sha256Of: Array(jws.utf8)).hex,
            scopes: consent.terms.scopes,
            years: consent.terms.years,
            sourceSHA256: claims.source.sha256,
            dataRequested: dataRequested.map { Int($0) }
        )
        let outcome = try await parts.committer.commit(
            .act(id, by: .bank(bank), .issueBundle(issue, for: bank)),
            completing: try claim.map { IdempotencyCompletion(claim: $0, sealedBundle: try seal.seal(Array(jws.utf8))) }
        )
        _ = try outcome.acceptedConsent()
        guard let receipt = outcome.receipt else { throw StoreFailure.corrupt("an issued bundle came back without its receipt") }
        Counter(label: SamtykkeMetrics.bundlesIssued).increment()
        // Its id as signed, not read back out of the JWS (a JSON decode per bundle).
        return Issued(answer: BundleAnswer(bundle: jws, auditReceipt: BundleAnswer.Receipt(receipt)), bundleID: claims.jti, replayed: false)
    }

    /// How long the agency took, and what its answer says about whether it is up.
    private func agencyCall(since started: ContinuousClock.Instant, failed error: AgencyError?) async {
        Timer(label: SamtykkeMetrics.agencyDuration, dimensions: [("outcome", error == nil ? "ok" : "error")], preferredDisplayUnit: .seconds)
            .record(duration: started.duration(to: .now))
        await agencyHealth.observe(agencyError: error)
    }

    /// Release against the log (SPEC §5): commits the fetch's `data.requested` entry, waits for a
    /// checkpoint covering it that meets the agency's witness quorum, and signs a token carrying its
    /// proof. Never cached: each token proves its own entry, which the agency releases once.
    private func loggedFetch(
        _ id: ConsentID, for bank: OrgNumber, cosigner: any CheckpointCosigner
    ) async throws -> (consent: Consent, token: String, index: UInt64) {
        let started = ContinuousClock.now
        let logged = try await parts.committer.commit(.act(id, by: .bank(bank), .requestData(for: bank)))
        let committed = ContinuousClock.now
        Timer(label: SamtykkeMetrics.releaseStepDuration, dimensions: [("step", "log")], preferredDisplayUnit: .seconds).record(duration: started.duration(to: committed))
        let consent = try logged.acceptedConsent()
        guard let receipt = logged.receipt, let opening = receipt.opening else {
            throw StoreFailure.corrupt("a data.requested entry came back without its receipt and opening")
        }
        guard case .v2(let entry)? = try? LogLeaf.scanned(receipt.entry) else { throw StoreFailure.corrupt("a data.requested entry is not a v2 entry") }
        let cosigned: QuorumCheckpoint
        do {
            cosigned = try await withSpan("witness quorum") { _ in try await cosigner.cosigned(covering: receipt.index + 1) }
        } catch {
            // The entry stays: the bank did ask. Its refusal says why nothing was fetched.
            _ = try await parts.committer.commit(.act(id, by: .bank(bank), .refuseBundle(reason: "the witnesses did not cosign the fetch's entry in time", for: bank)))
            Counter(label: SamtykkeMetrics.bundlesRefused, dimensions: [("reason", "log-not-witnessed")]).increment()
            throw Problem(
                .serviceUnavailable, "log-not-witnessed", "The fetch could not be proven on the witnessed log",
                detail: "\(error); no bundle was issued and no use was counted; retry later", retryAfter: 5
            )
        }
        Timer(label: SamtykkeMetrics.releaseStepDuration, dimensions: [("step", "witnesses")], preferredDisplayUnit: .seconds).record(duration: committed.duration(to: .now))
        let hashes = cosigned.size == receipt.treeSize
            ? receipt.inclusionProof : try await parts.receipts.inclusionProof(index: receipt.index, treeSize: cosigned.size)
        let proof = TlogProof(index: receipt.index, hashes: hashes, signedCheckpoint: cosigned.note)
        let claims = ConsentTokenClaims(
            consent: consent,
            issuer: parts.issuer,
            audience: parts.agencyAudience,
            clientCertificateSHA256: parts.clientCertificateSHA256,
            now: parts.now(),
            lifetime: ConsentTokenClaims.maxLifetime,
            tlog: .object(["proof": .string(proof.text), "entry": .string(StrictBase64.encode(receipt.entry)), "opening": opening.json]),
            consentTag: entry.consent
        )
        return (consent, try parts.signer.sign(claims, typ: ConsentTokenClaims.typ), receipt.index)
    }

    /// The token kept for this consent while it still fits, else a newly signed one, living the
    /// longest a consent token may.
    private func consentToken(for consent: Consent) async throws -> String {
        let now = parts.now()
        let claims = ConsentTokenClaims(
            consent: consent,
            issuer: parts.issuer,
            audience: parts.agencyAudience,
            clientCertificateSHA256: parts.clientCertificateSHA256,
            now: now,
            lifetime: ConsentTokenClaims.maxLifetime
        )
        if let kept = await tokens.token(matching: claims, for: consent.id, now: now) { return kept }
        let token = try parts.signer.sign(claims, typ: ConsentTokenClaims.typ)
        await tokens.keep(token, claims: claims, for: consent.id, now: now)
        return token
    }

    /// The bundle a finished request issued, while the consent still lets the bank hold it: after a
    /// revoke, a withdrawal or an expiry a retry gets the refusal, never the data.
    private func replay(_ result: IdempotentResult, for bank: OrgNumber) async throws -> BundleAnswer {
        guard case .bundleIssued(let id, let sealed, let index) = result else {
            throw StoreFailure.corrupt("a bundle request's idempotency record holds no bundle")
        }
        let consent = try await parts.store.consent(id, for: .bank(bank))
        do {
            try consent.checkReplayable(at: parts.now())
        } catch {
            throw StorageError.refused(error)
        }
        guard let opened = seal.open(sealed), let jws = String(bytes: opened, encoding: .utf8) else {
            throw Problem(.conflict, "idempotency-expired", "The bundle can no longer be replayed", detail: "send the request with a new Idempotency-Key", field: "Idempotency-Key")
        }
        let receipt = try await parts.receipts.receipt(for: index)
        // With the witnesses' cosignatures of that checkpoint: a receipt cut at issue has none yet,
        // so a retry is how a bank gets one that `bundle verify --witness-key` accepts.
        return BundleAnswer(bundle: jws, auditReceipt: BundleAnswer.Receipt(receipt, checkpoint: await parts.cosignatures.cosigned(receipt.checkpoint)))
    }

    /// The `jti` of a bundle this broker signed: read back from the JWS, so a first answer and its
    /// replay name the bundle the same way.
    static func bundleID(of jws: String) throws -> String {
        struct Claims: Decodable { let jti: String }
        let parts = jws.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = Base64URL.decode(String(parts[1])), let claims = try? JSONDecoder().decode(Claims.self, from: Data(payload)) else {
            throw StoreFailure.corrupt("a bundle the broker signed has no readable jti")
        }
        return claims.jti
    }

    static func problem(for error: AgencyError) -> Problem {
        switch error {
        case .timeout:
            Problem(.gatewayTimeout, "agency-timeout", "The tax agency did not answer in time", detail: "no bundle was issued and no use was counted; retry later", retryAfter: 5)
        case .personUnknown:
            Problem(.unprocessableContent, "no-tax-data", "The tax agency has no records for this person", detail: "no bundle was issued and no use was counted")
        default:
            Problem(.badGateway, "agency-failed", "The tax agency could not deliver the data", detail: "\(error.reason); no bundle was issued and no use was counted; retry later", retryAfter: 5)
        }
    }
}
