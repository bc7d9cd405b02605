import Foundation
import SamtykkeCore

/// A consent as the backends store it: one column per field, scopes and years as comma-separated
/// text. Raw columns become domain types only through `consent()`, which re-validates them, so a
/// damaged row surfaces as `corrupt` instead of a wrong answer.
public struct StoredConsent: Sendable, Hashable {
    public var id: String
    public var bankOrg: String
    public var personId: String
    /// Comma-separated, sorted.
    public var scopes: String
    /// Comma-separated, ascending.
    public var years: String
    public var purposeCode: String
    public var purposeText: String
    public var validUntil: Date
    public var maxUses: Int
    public var uses: Int
    public var status: String
    public var createdAt: Date
    public var requestExpiresAt: Date
    public var grantedAt: Date?
    public var statusChangedAt: Date
    public var externalReference: String?
    public var redirectUrl: String?

    public init(
        id: String, bankOrg: String, personId: String, scopes: String, years: String, purposeCode: String, purposeText: String,
        validUntil: Date, maxUses: Int, uses: Int, status: String, createdAt: Date, requestExpiresAt: Date, grantedAt: Date?,
        statusChangedAt: Date, externalReference: String?, redirectUrl: String? = nil
    ) {
        self.id = id
        self.bankOrg = bankOrg
        self.personId = personId
        self.scopes = scopes
        self.years = years
        self.purposeCode = purposeCode
        self.purposeText = purposeText
        self.validUntil = validUntil
        self.maxUses = maxUses
        self.uses = uses
        self.status = status
        self.createdAt = createdAt
        self.requestExpiresAt = requestExpiresAt
        self.grantedAt = grantedAt
        self.statusChangedAt = statusChangedAt
        self.externalReference = externalReference
        self.redirectUrl = redirectUrl
    }

    public init(_ consent: Consent) {
        self.init(
            id: consent.id.description, bankOrg: consent.bankOrg.digits, personId: consent.terms.personId.digits,
            scopes: consent.terms.scopes.map(\.rawValue).joined(separator: ","), years: consent.terms.years.map(String.init).joined(separator: ","),
            purposeCode: consent.terms.purpose.code, purposeText: consent.terms.purpose.text, validUntil: consent.terms.validUntil,
            maxUses: consent.terms.maxUses, uses: consent.uses, status: consent.status.rawValue, createdAt: consent.createdAt,
            requestExpiresAt: consent.requestExpiresAt, grantedAt: consent.grantedAt, statusChangedAt: consent.statusChangedAt,
            externalReference: consent.externalReference?.text, redirectUrl: consent.redirectURL?.text
        )
    }

    /// The consent these columns hold. Times come back at millisecond precision, the log's and the
    /// domain's, whatever finer precision a database kept.
    public func consent() throws(StoreFailure) -> Consent {
        do {
            let scopeList = try scopes.split(separator: ",").map { text throws(StoreFailure) in
                guard let scope = Scope(rawValue: String(text)) else { throw .corrupt("consent \(id) has scope \(text)") }
                return scope
            }
            let yearList = try years.split(separator: ",").map { text throws(StoreFailure) in
                guard let year = Int(text) else { throw .corrupt("consent \(id) has year \(text)") }
                return year
            }
            guard let status = ConsentStatus(rawValue: status) else { throw StoreFailure.corrupt("consent \(id) has status \(status)") }
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
                externalReference: try externalReference.map { try ExternalReference($0) },
                redirectURL: try redirectUrl.map { try RedirectURI($0) },
                createdAt: createdAt.roundedToMilliseconds,
                requestExpiresAt: requestExpiresAt.roundedToMilliseconds,
                status: status,
                uses: uses,
                grantedAt: grantedAt?.roundedToMilliseconds,
                statusChangedAt: statusChangedAt.roundedToMilliseconds
            )
        } catch let error as StoreFailure {
            throw error
        } catch {
            throw .corrupt("consent \(id): \(error)")
        }
    }
}
