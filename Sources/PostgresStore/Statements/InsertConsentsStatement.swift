import Foundation
import PostgresNIO
import SamtykkeCore
import SamtykkeStore

/// A batch's new consents in one statement (a consent created and granted in one batch is inserted
/// as granted).
struct InsertConsentsStatement: PostgresPreparedStatement {
    static let sql = """
        INSERT INTO consent (\(ConsentRow.columns))
        SELECT id, bankOrg, personId, scopes, years, purposeCode, purposeText, validUntil, maxUses, uses, status,
            createdAt, requestExpiresAt, CASE WHEN granted THEN grantedAt END, statusChangedAt,
            NULLIF(externalReference, ''), NULLIF(redirectUrl, '')
        FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[],
            $9::integer[], $10::timestamptz[], $11::timestamptz[], $12::integer[], $13::text[], $14::timestamptz[], $15::boolean[],
            $16::timestamptz[], $17::text[], $18::text[])
            AS row (id, bankOrg, personId, scopes, years, purposeCode, purposeText, validUntil, maxUses, createdAt,
                requestExpiresAt, uses, status, grantedAt, granted, statusChangedAt, externalReference, redirectUrl)
        """
    typealias Row = ()

    let consents: [Consent]

    func makeBindings() throws -> PostgresBindings {
        let stored = consents.map(StoredConsent.init)
        var bindings = PostgresBindings(capacity: 18)
        bindings.append(consents.map(\.id.description))
        bindings.append(consents.map(\.bankOrg.digits))
        bindings.append(consents.map(\.terms.personId.digits))
        bindings.append(stored.map(\.scopes))
        bindings.append(stored.map(\.years))
        bindings.append(consents.map(\.terms.purpose.code))
        bindings.append(consents.map(\.terms.purpose.text))
        bindings.append(consents.map(\.terms.validUntil))
        bindings.append(consents.map { Int32($0.terms.maxUses) })
        bindings.append(consents.map(\.createdAt))
        bindings.append(consents.map(\.requestExpiresAt))
        bindings.appendChangingColumns(of: consents)
        // Arrays carry no NULL here; an empty text is never a reference, so it stands for none.
        bindings.append(consents.map { $0.externalReference?.text ?? "" })
        bindings.append(consents.map { $0.redirectURL?.text ?? "" })
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {}
}
