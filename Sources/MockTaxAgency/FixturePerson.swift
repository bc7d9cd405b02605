import SamtykkeCore

/// One synthetic person of `people.json` and their assessments, checked as they are read: a fixture
/// with a bad identity number or figures that do not add up fails loudly at startup instead of
/// turning into a confusing bundle later.
public struct FixturePerson: Sendable, Hashable, Decodable {
    public let personId: PersonID
    public let name: String
    /// Keyed by income year ("2024"), as in `TaxData`. Every year holds income, debt and wealth.
    public let years: [String: TaxYear]

    private enum CodingKeys: String, CodingKey { case personId, name, years }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let name = try container.decode(String.self, forKey: .name)
        let text = try container.decode(String.self, forKey: .personId)
        let person = "\(PeopleFixtures.describe(decoder.codingPath)) (\(name))"
        do {
            personId = try PersonID(text)
        } catch {
            throw MockTaxAgencyError.fixtures("\(person): personId \(text) \(error.reason)")
        }
        self.name = name
        years = try container.decode([String: TaxYear].self, forKey: .years)
        for (key, figures) in years {
            guard let year = Int(key), (ConsentTerms.firstIncomeYear...2100).contains(year), String(year) == key else {
                throw MockTaxAgencyError.fixtures("\(person): \(key) is not an income year")
            }
            if let problem = Self.inconsistency(in: figures) {
                throw MockTaxAgencyError.fixtures("\(person), year \(key): \(problem)")
            }
        }
    }

    /// What is wrong with one year's figures, or nil if they are complete and add up.
    private static func inconsistency(in figures: TaxYear) -> String? {
        guard let income = figures.income, let debt = figures.debt, let wealth = figures.wealth else {
            return "income, debt and wealth must all be present"
        }
        let amounts = [income.wages, income.pensions, income.capitalIncome, debt.studentLoan, debt.mortgage, debt.consumerCredit, wealth.gross]
        if amounts.contains(where: { $0 < 0 }) { return "amounts other than net wealth must not be negative" }
        if income.total != income.wages + income.pensions + income.capitalIncome {
            return "income.total \(income.total) is not wages + pensions + capitalIncome"
        }
        if debt.total != debt.studentLoan + debt.mortgage + debt.consumerCredit {
            return "debt.total \(debt.total) is not studentLoan + mortgage + consumerCredit"
        }
        if wealth.net != wealth.gross - debt.total { return "wealth.net \(wealth.net) is not gross − debt.total" }
        return nil
    }
}
