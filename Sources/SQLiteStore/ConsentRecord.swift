import Foundation
import GRDB
import SamtykkeCore
import SamtykkeStore

/// A row of the `consent` table, for GRDB; the column mapping and its checks are `StoredConsent`'s.
struct ConsentRecord: Decodable, FetchableRecord, TableRecord {
    static let databaseTableName = "consent"

    var id: String
    var bankOrg: String
    var personId: String
    /// Comma-separated, sorted.
    var scopes: String
    /// Comma-separated, ascending.
    var years: String
    var purposeCode: String
    var purposeText: String
    var validUntil: Date
    var maxUses: Int
    var uses: Int
    var status: String
    var createdAt: Date
    var requestExpiresAt: Date
    var grantedAt: Date?
    var statusChangedAt: Date
    var externalReference: String?
    var redirectUrl: String?

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let bankOrg = Column(CodingKeys.bankOrg)
        static let personId = Column(CodingKeys.personId)
        static let status = Column(CodingKeys.status)
        static let requestExpiresAt = Column(CodingKeys.requestExpiresAt)
        static let validUntil = Column(CodingKeys.validUntil)
        static let createdAt = Column(CodingKeys.createdAt)
        static let externalReference = Column(CodingKeys.externalReference)
    }

    init(_ consent: Consent) {
        let stored = StoredConsent(consent)
        id = stored.id
        bankOrg = stored.bankOrg
        personId = stored.personId
        scopes = stored.scopes
        years = stored.years
        purposeCode = stored.purposeCode
        purposeText = stored.purposeText
        validUntil = stored.validUntil
        maxUses = stored.maxUses
        uses = stored.uses
        status = stored.status
        createdAt = stored.createdAt
        requestExpiresAt = stored.requestExpiresAt
        grantedAt = stored.grantedAt
        statusChangedAt = stored.statusChangedAt
        externalReference = stored.externalReference
        redirectUrl = stored.redirectUrl
    }

    /// The domain value, re-validated by the one restore both backends share.
    func consent() throws(StoreFailure) -> Consent {
        try StoredConsent(
            id: id, bankOrg: bankOrg, personId: personId, scopes: scopes, years: years, purposeCode: purposeCode, purposeText: purposeText,
            validUntil: validUntil, maxUses: maxUses, uses: uses, status: status, createdAt: createdAt, requestExpiresAt: requestExpiresAt,
            grantedAt: grantedAt, statusChangedAt: statusChangedAt, externalReference: externalReference, redirectUrl: redirectUrl
        ).consent()
    }

    /// Written through one cached statement each, dates as `SQLiteTimestamp` text: the Codable
    /// record encoding compiled its SQL and formatted dates with ICU on every row of every batch.
    func insert(_ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO consent (\(Self.columnsButID), id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: valuesButID + [id])
    }

    func update(_ db: Database) throws {
        try db.cachedStatement(sql: Self.updateSQL).execute(arguments: valuesButID + [id])
        guard db.changesCount == 1 else { throw StorageError.consentNotFound }
    }

    /// The columns both statements write besides the key, in the order of `valuesButID`.
    private static let columnsButID =
        "bankOrg, personId, scopes, years, purposeCode, purposeText, validUntil, maxUses, uses, status, createdAt, requestExpiresAt, grantedAt, statusChangedAt, externalReference, redirectUrl"

    private static let updateSQL =
        "UPDATE consent SET " + columnsButID.split(separator: ", ").map { "\($0) = ?" }.joined(separator: ", ") + " WHERE id = ?"

    private var valuesButID: StatementArguments {
        [
            bankOrg, personId, scopes, years, purposeCode, purposeText, SQLiteTimestamp.text(validUntil), maxUses, uses, status,
            SQLiteTimestamp.text(createdAt), SQLiteTimestamp.text(requestExpiresAt), grantedAt.map(SQLiteTimestamp.text),
            SQLiteTimestamp.text(statusChangedAt), externalReference, redirectUrl,
        ]
    }
}
