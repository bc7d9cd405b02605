import Foundation
import MockTaxAgency
import SamtykkeCore
import TestSupport
import Testing

@Suite("Fixtures", .sameOnEveryBackend)
struct PeopleFixturesTests {
    @Test("--fixtures names the folder or the file: SPEC §7 writes `--fixtures Fixtures`")
    func theFolderOrItsFile() throws {
        let folder = (TestFiles.fixtures as NSString).deletingLastPathComponent
        #expect(try PeopleFixtures(contentsOf: folder).people.map(\.personId) == (try PeopleFixtures(contentsOf: TestFiles.fixtures)).people.map(\.personId))
    }

    @Test("people.json loads: enough synthetic people, plausible years, every figure adds up")
    func committedFixtures() throws {
        let fixtures = try PeopleFixtures(contentsOf: TestFiles.fixtures)
        #expect(fixtures.people.count >= 24)
        #expect(fixtures.people.allSatisfy { $0.personId.isSynthetic })
        #expect(fixtures.people.contains { $0.personId.kind == .dNumber })
        #expect(fixtures.people.contains { $0.personId.kind == .birthNumber })
        for person in fixtures.people {
            #expect(person.years.count >= 3, "\(person.name) has fewer than three years")
            #expect(Set(person.years.keys).isSubset(of: ["2021", "2022", "2023", "2024", "2025"]), "\(person.name)")
            #expect(fixtures.person(person.personId) == person)
        }
        #expect(fixtures.people.filter { $0.years.count < 5 }.count >= 3, "several people should lack a year")
        let net = fixtures.people.flatMap { $0.years.values.compactMap(\.wealth?.net) }
        #expect(net.contains { $0 < 0 })
    }

    @Test("an invalid personId is refused, naming the person")
    func invalidPersonId() {
        let json = Self.people(personId: "14830351258")
        #expect(throws: MockTaxAgencyError.fixtures("people[0] (Test Person): personId 14830351258 check digits do not match")) {
            try PeopleFixtures(json: json)
        }
    }

    @Test("totals that do not add up are refused, naming the person and year")
    func inconsistentTotals() {
        let json = Self.people(incomeTotal: 999)
        #expect(throws: MockTaxAgencyError.fixtures("people[0] (Test Person), year 2024: income.total 999 is not wages + pensions + capitalIncome")) {
            try PeopleFixtures(json: json)
        }
    }

    @Test("net wealth must be gross less debt")
    func inconsistentNetWealth() {
        let json = Self.people(net: 1)
        #expect(throws: MockTaxAgencyError.fixtures("people[0] (Test Person), year 2024: wealth.net 1 is not gross − debt.total")) {
            try PeopleFixtures(json: json)
        }
    }

    @Test("a missing field is named by its path")
    func missingField() {
        let json = Data(#"[{"personId": "14830351257", "years": {}}]"#.utf8)
        #expect(throws: MockTaxAgencyError.fixtures("people[0]: name is missing")) { try PeopleFixtures(json: json) }
    }

    @Test("the same person twice is refused")
    func duplicate() throws {
        let one = try JSONSerialization.jsonObject(with: Self.people()) as! [Any]
        let json = try JSONSerialization.data(withJSONObject: one + one)
        #expect(throws: MockTaxAgencyError.fixtures("Test Person and Test Person share the personId 14830351257")) {
            try PeopleFixtures(json: json)
        }
    }

    private static func people(personId: String = "14830351257", incomeTotal: Int = 300, net: Int = -50) -> Data {
        Data(
            """
            [{"personId": "\(personId)", "name": "Test Person", "years": {"2024": {
              "income": {"wages": 100, "pensions": 100, "capitalIncome": 100, "total": \(incomeTotal)},
              "debt": {"studentLoan": 50, "mortgage": 50, "consumerCredit": 50, "total": 150},
              "wealth": {"gross": 100, "net": \(net)}}}}]
            """.utf8
        )
    }
}
