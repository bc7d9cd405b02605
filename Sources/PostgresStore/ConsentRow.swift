import Foundation
import PostgresNIO
import SamtykkeStore

/// A row of the `consent` table, decoded into the shared `StoredConsent` (which turns it into a
/// validated `Consent`).
enum ConsentRow {
    /// The columns every consent query selects, in the order `decode(_:)` reads them.
    static let columns = """
        id, bankOrg, personId, scopes, years, purposeCode, purposeText, validUntil, maxUses, uses, status, \
        createdAt, requestExpiresAt, grantedAt, statusChangedAt, externalReference, redirectUrl
        """

    static func decode(_ row: PostgresRow) throws -> StoredConsent {
        let (id, bankOrg, personId, scopes, years, purposeCode, purposeText, validUntil, maxUses, uses, status,
             createdAt, requestExpiresAt, grantedAt, statusChangedAt, externalReference, redirectUrl) = try row.decode(
            (String, String, String, String, String, String, String, Date, Int, Int, String, Date, Date, Date?, Date, String?, String?).self
        )
        return StoredConsent(
            id: id, bankOrg: bankOrg, personId: personId, scopes: scopes, years: years, purposeCode: purposeCode, purposeText: purposeText,
            validUntil: validUntil, maxUses: maxUses, uses: uses, status: status, createdAt: createdAt, requestExpiresAt: requestExpiresAt,
            grantedAt: grantedAt, statusChangedAt: statusChangedAt, externalReference: externalReference, redirectUrl: redirectUrl
        )
    }
}
