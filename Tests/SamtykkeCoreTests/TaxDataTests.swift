import CanonicalJSON
import SamtykkeCore
import Testing
import TestSupport

@Suite(.sameOnEveryBackend) struct TaxDataTests {
    static let person = try! PersonID("24859045681")

    static func data(wages: Int = 612_000, net: Int = -1_200) -> TaxData {
        let year = TaxYear(
            income: .init(wages: wages, pensions: 0, capitalIncome: 0),
            debt: .init(studentLoan: 0, mortgage: 2_950_000, consumerCredit: 0),
            wealth: .init(gross: 3_400_000, net: net)
        )
        return TaxData(personId: person, years: ["2024": year], notAssessed: [])
    }

    /// ±(2^53 − 1) is the edge, on both sides and in any figure.
    @Test func figuresBeyondWhatADoubleHoldsAreFlagged() {
        #expect(Self.data().figuresAreExactInJSON)
        #expect(Self.data(wages: JSONValue.maxExactInteger, net: -JSONValue.maxExactInteger).figuresAreExactInJSON)
        #expect(!Self.data(wages: JSONValue.maxExactInteger + 1).figuresAreExactInJSON)
        #expect(!Self.data(net: -JSONValue.maxExactInteger - 1).figuresAreExactInJSON)
        #expect(TaxData(personId: Self.person, years: [:], notAssessed: [2024]).figuresAreExactInJSON)
    }
}
