import Testing
import TestSupport
@testable import SamtykkeCore

@Suite(.sameOnEveryBackend) struct PersonIDTests {
    static let checkDigits = DomainError.invalid("personId", "check digits do not match")

    // Synthetic numbers (month + 80) computed by hand from the mod-11 weights.
    @Test(arguments: ["01810012345", "15906099966"])
    func rejectsWrongCheckDigits(_ text: String) {
        #expect(throws: Self.checkDigits) { try PersonID(text) }
    }

    @Test func acceptsValidBirthNumberAndComputesKind() throws {
        let id = try PersonID(Self.make(day: 1, month: 1, year: 80, individual: 123))
        #expect(id.kind == .birthNumber)
        #expect(!id.isSynthetic)
    }

    @Test func acceptsSyntheticAndDNumbers() throws {
        let synthetic = try PersonID(Self.make(day: 24, month: 85, year: 90, individual: 456))
        #expect(synthetic.isSynthetic && synthetic.kind == .birthNumber)
        let dNumber = try PersonID(Self.make(day: 64, month: 91, year: 77, individual: 321))
        #expect(dNumber.isSynthetic && dNumber.kind == .dNumber)
    }

    @Test(arguments: ["", "1234567890", "123456789012", "0101800123a", " 0101800123", "01018001234\n"])
    func rejectsMalformedText(_ text: String) {
        #expect(throws: DomainError.invalid("personId", "must be exactly 11 digits")) { try PersonID(text) }
    }

    /// The check digits of these are right, so only the date can be what is refused.
    @Test func rejectsImpossibleDates() throws {
        let refusal = DomainError.invalid("personId", "does not start with a valid date of birth")
        #expect(throws: refusal) { try PersonID(Self.make(day: 32, month: 1, year: 80, individual: 123)) }
        #expect(throws: refusal) { try PersonID(Self.make(day: 10, month: 13, year: 80, individual: 123)) }
        #expect(throws: refusal) { try PersonID(Self.make(day: 10, month: 93, year: 80, individual: 123)) }
        #expect(throws: refusal) { try PersonID(Self.make(day: 0, month: 5, year: 80, individual: 123)) }
    }

    @Test func everySingleDigitChangeIsCaught() throws {
        let valid = Array(Self.make(day: 12, month: 83, year: 91, individual: 482).utf8)
        _ = try PersonID(String(decoding: valid, as: UTF8.self))
        for position in 9..<11 {
            for digit in UInt8(0x30)...0x39 where digit != valid[position] {
                var changed = valid
                changed[position] = digit
                #expect(throws: Self.checkDigits) { try PersonID(String(decoding: changed, as: UTF8.self)) }
            }
        }
    }

    @Test func orgNumbers() throws {
        _ = try OrgNumber("986352325")
        _ = try OrgNumber("974760673")
        #expect(throws: DomainError.invalid("bankOrg", "check digit does not match")) { try OrgNumber("986352326") }
        #expect(throws: DomainError.invalid("bankOrg", "must be exactly 9 digits")) { try OrgNumber("98635232") }
        #expect(throws: DomainError.invalid("bankOrg", "must be exactly 9 digits")) { try OrgNumber("98635232x") }
    }

    /// Builds a number with valid check digits, retrying individual numbers that give a check digit of 10.
    static func make(day: Int, month: Int, year: Int, individual: Int) -> String {
        var individual = individual
        while true {
            let base = [day / 10, day % 10, month / 10, month % 10, year / 10, year % 10, individual / 100, individual / 10 % 10, individual % 10]
            if let k1 = PersonID.checkDigit({ base[$0] }, weights: [3, 7, 6, 1, 8, 9, 4, 5, 2]),
                let k2 = PersonID.checkDigit({ (base + [k1])[$0] }, weights: [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) {
                return (base + [k1, k2]).map(String.init).joined()
            }
            individual += 1
        }
    }
}
