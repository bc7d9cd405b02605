import AgencyClient
import CanonicalJSON
import Crypto
import Foundation
import Logging
import Metrics
import SamtykkeCore
import SamtykkeJOSE
import SamtykkeStorage
import TransparencyLog

/// Issues a bundle: check the consent, fetch from the agency with a fresh consent token, sign, and
/// log. The log entry commits before the bundle leaves, and if the consent stopped being usable while
/// the data was in flight the bundle is discarded, so a bank never holds a bundle the log lacks.
struct BundleService: Sendable {
    let broker: Broker

    struct Issued: Encodable {
        let bundle: String
        let auditReceipt: Receipt
    }

    struct Receipt: Encodable {
        let index: UInt64
        let entry: String
        let treeSize: UInt64
        let inclusionProof: [String]
        let checkpoint: String

        init(_ receipt: AuditReceipt) {
            index = receipt.index
            entry = Data(receipt.entry).base64EncodedString()
            treeSize = receipt.treeSize
            inclusionProof = receipt.inclusionProof.map(\.base64)
            checkpoint = receipt.checkpoint
        }
    }

    /// Returns the answer to send: 201 with `{bundle, auditReceipt}`, or, for a retry under the same
    /// `Idempotency-Key`, the answer the first request got (the same bundle; no second use).
    func issue(_ id: ConsentID, for bank: OrgNumber, idempotency: IdempotencyKey?, logger: Logger) async throws -> StoredAnswer {
        let database = broker.database
        let deadline = ContinuousClock.now.advanced(by: broker.limits.bundleDeadline)
        let consent: Consent
        switch try await database.checkBundleAllowed(id, for: bank, now: broker.now(), idempotency: idempotency) {
        case .replay(let answer): return answer
        case .proceed(let allowed): consent = allowed
        }

        let fetched: AgencyResponse
        do {
            let token = try await broker.signer.sign(
                ConsentTokenClaims(
                    consent: consent,
                    issuer: broker.issuer,
                    audience: broker.agencyAudience,
                    clientCertificateSHA256: broker.clientCertificateSHA256,
                    now: broker.now()
                ),
                typ: ConsentTokenClaims.typ
            )
            fetched = try await broker.agency.taxData(for: consent.terms.personId, consentToken: token, deadline: deadline)
        } catch let error as AgencyError {
            logger.warning("agency call failed", metadata: ["consent": "\(id)", "reason": "\(error.reason)"])
            Counter(label: "samtykke_agency_errors_total", dimensions: [("reason", error.reason)]).increment()
            try await database.recordBundleRefused(id, for: bank, reason: error.reason, now: broker.now(), idempotency: idempotency)
            throw Self.problem(for: error)
        }

        let fetchedAt = broker.now()
        let claims = BundleClaims(
            issuer: broker.issuer,
            bundleID: UUID(),
            consent: consent,
            data: fetched.data,
            agency: broker.agency.name,
            fetchedAt: fetchedAt,
            sourceSHA256: Hash(sha256Of: fetched.body).hex,
            now: fetchedAt
        )
        let jws = try await broker.signer.sign(claims, typ: BundleClaims.typ)
        let answer: @Sendable (AuditReceipt) throws -> StoredAnswer = { receipt in
            StoredAnswer(status: 201, body: try JSONIO.bytes(Issued(bundle: jws, auditReceipt: Receipt(receipt))))
        }
        let (_, receipt) = try await database.recordBundleIssued(id, for: bank, details: [
            "bundleId": .string(claims.jti),
            "bundleSha256": .string(Hash(sha256Of: Array(jws.utf8)).hex),
            "scopes": .array(consent.terms.scopes.map { .string($0.rawValue) }),
            "years": .array(consent.terms.years.map { .number(Double($0)) }),
            "sourceSha256": .string(claims.source.sha256),
        ], now: broker.now(), idempotency: idempotency.map { ($0, answer) })
        return try answer(receipt)
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
