import SamtykkeAPI
import SamtykkeJOSE
import TransparencyLog

/// The bank's check of a bundle after the fact (SPEC §3, §6), offline: the JWS against the broker's
/// keys, then its receipt against the log key, then that the entry and the bundle tell one story.
public enum BundleCheck {
    public struct Verified: Sendable {
        public let claims: BundleClaims
        /// The signing key's id, "?" for a key the header does not name.
        public let kid: String
        public let receipt: ReceiptCheck.Verified
    }

    /// `keySource` names where `keys` came from, for the error when the signature does not verify.
    /// `bank` and `issuer`, when given, are the only `aud` and `iss` accepted: a valid signature says
    /// the broker issued the bundle, not that it is this bank's.
    public static func verify(
        _ answer: BundleAnswer, keys: JWSVerifier, keySource: String, logKey: String, witnesses: [CosignatureVerifier] = [],
        bank: String? = nil, issuer: String? = nil
    ) async throws(BundleCheckError) -> Verified {
        let claims: BundleClaims
        do {
            claims = try await keys.verify(answer.bundle, as: BundleClaims.self, typ: BundleClaims.typ)
        } catch {
            throw .signature(keySource: keySource, cause: error)
        }
        if let bank, claims.aud != bank { throw .issuedTo(bank: claims.aud, expected: bank) }
        if let issuer, claims.iss != issuer { throw .issuedBy(issuer: claims.iss, expected: issuer) }
        let kid = (try? JWSVerifier.header(of: answer.bundle))?.kid ?? "?"

        let receipt: ReceiptCheck.Verified
        do {
            receipt = try ReceiptCheck.verify(bundle: answer.bundle, receipt: answer.auditReceipt, logKey: logKey, witnesses: witnesses)
        } catch {
            throw .receipt(error)
        }
        // The digest already binds entry and bundle; these say so in the bundle's own terms.
        let entry = receipt.entry
        let mismatches = [
            ("consent", entry.consentId.description, claims.consent.id),
            ("person", entry.personId.digits, claims.consent.personId),
            ("bank", entry.bankOrg.digits, claims.aud),
            ("bundle id", { if case .bundleIssued(let issue) = entry.event { issue.bundleID } else { "none" } }(), claims.jti),
        ].filter { $0.1 != $0.2 }
        if let (what, logged, claimed) = mismatches.first {
            throw .mismatch(what: what, logged: logged, claimed: claimed)
        }
        return Verified(claims: claims, kid: kid, receipt: receipt)
    }
}
