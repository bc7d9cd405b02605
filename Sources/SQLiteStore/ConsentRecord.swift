import Foundation
import GRDB
import SamtykkeCore
import SamtykkeStore

/// A row of the `consent` table. Raw columns become domain types only through `consent()`, which
/// re-validates them, so a damaged row surfaces as an error instead of a wrong answer.
struct ConsentRecord: Codable, FetchableRecord, PersistableRecord {
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

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let bankOrg = Column(CodingKeys.bankOrg)
        static let personId = Column(CodingKeys.personId)
        static let status = Column(CodingKeys.status)
        static let requestExpiresAt = Column(CodingKeys.requestExpiresAt)
        static let validUntil = Column(CodingKeys.validUntil)
        static let createdAt = Column(CodingKeys.createdAt)
    }

    init(_ consent: Consent) {
        id = consent.id.description
        bankOrg = consent.bankOrg.digits
        personId = consent.terms.personId.digits
        scopes = consent.terms.scopes.map(\.rawValue).joined(separator: ",")
        years = consent.terms.years.map(String.init).joined(separator: ",")
        purposeCode = consent.terms.purpose.code
        purposeText = consent.terms.purpose.text
        validUntil = consent.terms.validUntil
        maxUses = consent.terms.maxUses
        uses = consent.uses
        status = consent.status.rawValue
        createdAt = consent.createdAt
        requestExpiresAt = consent.requestExpiresAt
        grantedAt = consent.grantedAt
        statusChangedAt = consent.statusChangedAt
    }

    func consent() throws(StorageError) -> Consent {
        do {
            let scopeList = try scopes.split(separator: ",").map { text throws(StorageError) in
                guard let scope = Scope(rawValue: String(text)) else { throw .corrupt("consent \(id) has scope \(text)") }
                return scope
            }
            let yearList = try years.split(separator: ",").map { text throws(StorageError) in
                guard let year = Int(text) else { throw .corrupt("consent \(id) has year \(text)") }
                return year
            }
            guard let status = ConsentStatus(rawValue: status) else { throw StorageError.corrupt("consent \(id) has status \(status)") }
            let terms = ConsentTerms(
                restoring: try PersonID(personId),
                scopes: scopeList,
                years: yearList,
                purpose: try Purpose(code: purposeCode, text: purposeText),
                validUntil: validUntil,
                maxUses: maxUses
            )
            return try Consent(
                restoring: try ConsentID(id),
                bankOrg: try OrgNumber(bankOrg),
                terms: terms,
                createdAt: createdAt,
                requestExpiresAt: requestExpiresAt,
                status: status,
                uses: uses,
                grantedAt: grantedAt,
                statusChangedAt: statusChangedAt
            )
        } catch let error as StorageError {
            throw error
        } catch {
            throw .corrupt("consent \(id): \(error)")
        }
    }
}
