import CanonicalJSON

/// The tax agency's answer for one person: figures per income year, in whole NOK, holding only the
/// scopes the consent token covered. This is also the `data` claim of a bundle.
public struct TaxData: Sendable, Hashable, Codable {
    public let personId: PersonID
    /// Keyed by income year ("2024").
    public let years: [String: TaxYear]
    /// Years the token covered for which the agency has no assessment.
    public let notAssessed: [Int]

    public init(personId: PersonID, years: [String: TaxYear], notAssessed: [Int]) {
        self.personId = personId
        self.years = years
        self.notAssessed = notAssessed.sorted()
    }

    /// Whether every figure is one a bundle can carry exactly: readers that parse JSON numbers as
    /// doubles (RFC 7493 §2.2) would round a larger one, so the broker refuses such an answer.
    public var figuresAreExactInJSON: Bool {
        let exact = -JSONValue.maxExactInteger...JSONValue.maxExactInteger
        return years.values.allSatisfy { year in
            [year.income?.wages, year.income?.pensions, year.income?.capitalIncome, year.income?.total,
             year.debt?.studentLoan, year.debt?.mortgage, year.debt?.consumerCredit, year.debt?.total,
             year.wealth?.gross, year.wealth?.net].allSatisfy { $0.map(exact.contains) ?? true }
        }
    }

    /// The same answer cut down to `scopes` and `years`, so a bundle never carries more than the
    /// consent allows even if the agency sent more.
    public func restricted(to scopes: [Scope], years allowed: [Int]) -> TaxData {
        var kept: [String: TaxYear] = [:]
        for year in allowed {
            if let figures = years[String(year)] { kept[String(year)] = figures.restricted(to: scopes) }
        }
        return TaxData(personId: personId, years: kept, notAssessed: notAssessed.filter(allowed.contains))
    }
}

public struct TaxYear: Sendable, Hashable, Codable {
    public let income: Income?
    public let debt: Debt?
    public let wealth: Wealth?

    public init(income: Income?, debt: Debt?, wealth: Wealth?) {
        self.income = income
        self.debt = debt
        self.wealth = wealth
    }

    public func restricted(to scopes: [Scope]) -> TaxYear {
        TaxYear(
            income: scopes.contains(.income) ? income : nil,
            debt: scopes.contains(.debt) ? debt : nil,
            wealth: scopes.contains(.wealth) ? wealth : nil
        )
    }

    public struct Income: Sendable, Hashable, Codable {
        public let wages: Int
        public let pensions: Int
        public let capitalIncome: Int
        public let total: Int

        public init(wages: Int, pensions: Int, capitalIncome: Int) {
            self.wages = wages
            self.pensions = pensions
            self.capitalIncome = capitalIncome
            self.total = wages + pensions + capitalIncome
        }
    }

    public struct Debt: Sendable, Hashable, Codable {
        public let studentLoan: Int
        public let mortgage: Int
        public let consumerCredit: Int
        public let total: Int

        public init(studentLoan: Int, mortgage: Int, consumerCredit: Int) {
            self.studentLoan = studentLoan
            self.mortgage = mortgage
            self.consumerCredit = consumerCredit
            self.total = studentLoan + mortgage + consumerCredit
        }
    }

    public struct Wealth: Sendable, Hashable, Codable {
        public let gross: Int
        /// Gross wealth less total debt; may be negative.
        public let net: Int

        public init(gross: Int, net: Int) {
            self.gross = gross
            self.net = net
        }
    }
}
