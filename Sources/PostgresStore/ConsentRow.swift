import Foundation
import NIOCore
import PostgresNIO
import SamtykkeCore
import SamtykkeStore

/// A row of the `consent` table. Raw columns become domain types only through `consent()`, which
/// re-validates them, so a damaged row surfaces as `corrupt` instead of a wrong answer.
struct ConsentRow {
    /// The columns every consent query selects, in the order `init(_:)` decodes them.
    static let columns = """
        id, bankOrg, personId, scopes, years, purposeCode, purposeText, validUntil, maxUses, uses, status, \
        createdAt, requestExpiresAt, grantedAt, statusChangedAt
        """

    typealias Columns = (String, String, String, String, String, String, String, Date, Int, Int, String, Date, Date, Date?, Date)

    let columns: Columns

    init(_ row: PostgresRow) throws {
        columns = try row.decode(Columns.self)
    }

    func consent() throws(StorageError) -> Consent {
        let (id, bankOrg, personId, scopes, years, purposeCode, purposeText, validUntil, maxUses, uses, status,
             createdAt, requestExpiresAt, grantedAt, statusChangedAt) = columns
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
            // timestamptz keeps microseconds; the log and the domain keep milliseconds.
            let terms = ConsentTerms(
                restoring: try PersonID(personId),
                scopes: scopeList,
                years: yearList,
                purpose: try Purpose(code: purposeCode, text: purposeText),
                validUntil: validUntil.roundedToMilliseconds,
                maxUses: maxUses
            )
            return try Consent(
                restoring: try ConsentID(id),
                bankOrg: try OrgNumber(bankOrg),
                terms: terms,
                createdAt: createdAt.roundedToMilliseconds,
                requestExpiresAt: requestExpiresAt.roundedToMilliseconds,
                status: status,
                uses: uses,
                grantedAt: grantedAt?.roundedToMilliseconds,
                statusChangedAt: statusChangedAt.roundedToMilliseconds
            )
        } catch let error as StorageError {
            throw error
        } catch {
            throw .corrupt("consent \(id): \(error)")
        }
    }
}
