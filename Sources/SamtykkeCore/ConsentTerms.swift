import Foundation

/// What a bank asks the citizen to agree to. Built only through `init(...)`, which checks every
/// field, so a `ConsentTerms` value is always one the product accepts.
public struct ConsentTerms: Sendable, Hashable {
    public let personId: PersonID
    /// Distinct and sorted.
    public let scopes: [Scope]
    /// Distinct income years, ascending.
    public let years: [Int]
    public let purpose: Purpose
    public let validUntil: Date
    public let maxUses: Int

    /// The earliest income year anyone can ask about.
    public static let firstIncomeYear = 2000

    public init(
        personId: PersonID,
        scopes: [Scope],
        years: [Int],
        purpose: Purpose,
        validUntil: Date,
        maxUses: Int,
        now: Date,
        policy: ConsentPolicy
    ) throws(DomainError) {
        guard !scopes.isEmpty else { throw .invalid("scopes", "must name at least one of income, debt, wealth") }
        guard Set(scopes).count == scopes.count else { throw .invalid("scopes", "must not repeat a scope") }
        guard (1...5).contains(years.count) else { throw .invalid("years", "must hold 1 to 5 income years") }
        guard Set(years).count == years.count else { throw .invalid("years", "must not repeat a year") }
        let currentYear = Calendar.utc.component(.year, from: now)
        for (i, year) in years.enumerated() where !(Self.firstIncomeYear...currentYear).contains(year) {
            throw .invalid("years[\(i)]", "\(year) is not an income year between \(Self.firstIncomeYear) and \(currentYear)")
        }
        guard validUntil > now else { throw .invalid("validUntil", "must be in the future") }
        guard validUntil <= now.addingTimeInterval(policy.maxValidity) else {
            throw .invalid("validUntil", "may be at most \(Int(policy.maxValidity / 86_400)) days ahead")
        }
        guard (1...policy.maxUsesLimit).contains(maxUses) else {
            throw .invalid("maxUses", "must be between 1 and \(policy.maxUsesLimit)")
        }
        self.personId = personId
        self.scopes = scopes.sorted()
        self.years = years.sorted()
        self.purpose = purpose
        self.validUntil = validUntil
        self.maxUses = maxUses
    }

    /// Rebuilds terms that were validated when they were stored, without re-checking against today's
    /// clock (a consent granted last year for last year's income stays what it was).
    public init(restoring personId: PersonID, scopes: [Scope], years: [Int], purpose: Purpose, validUntil: Date, maxUses: Int) {
        self.personId = personId
        self.scopes = scopes.sorted()
        self.years = years.sorted()
        self.purpose = purpose
        self.validUntil = validUntil
        self.maxUses = maxUses
    }
}

extension Calendar {
    public static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
