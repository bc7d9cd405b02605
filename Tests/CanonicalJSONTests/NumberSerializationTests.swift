import SeededRandom
import Testing
import TestSupport
@testable import CanonicalJSON

@Suite("RFC 8785 number serialization", .sameOnEveryBackend)
struct NumberSerializationTests {
    /// RFC 8785 Appendix B, every finite row.
    static let appendixB: [(bits: UInt64, expected: String)] = [
        (0x0000_0000_0000_0000, "0"),
        (0x8000_0000_0000_0000, "0"),
        (0x0000_0000_0000_0001, "5e-324"),
        (0x8000_0000_0000_0001, "-5e-324"),
        (0x7fef_ffff_ffff_ffff, "1.7976931348623157e+308"),
        (0xffef_ffff_ffff_ffff, "-1.7976931348623157e+308"),
        (0x4340_0000_0000_0000, "9007199254740992"),
        (0xc340_0000_0000_0000, "-9007199254740992"),
        (0x4430_0000_0000_0000, "295147905179352830000"),
        (0x44b5_2d02_c7e1_4af5, "9.999999999999997e+22"),
        (0x44b5_2d02_c7e1_4af6, "1e+23"),
        (0x44b5_2d02_c7e1_4af7, "1.0000000000000001e+23"),
        (0x444b_1ae4_d6e2_ef4e, "999999999999999700000"),
        (0x444b_1ae4_d6e2_ef4f, "999999999999999900000"),
        (0x444b_1ae4_d6e2_ef50, "1e+21"),
        (0x3eb0_c6f7_a0b5_ed8c, "9.999999999999997e-7"),
        (0x3eb0_c6f7_a0b5_ed8d, "0.000001"),
        (0x41b3_de43_5555_5553, "333333333.3333332"),
        (0x41b3_de43_5555_5554, "333333333.33333325"),
        (0x41b3_de43_5555_5555, "333333333.3333333"),
        (0x41b3_de43_5555_5556, "333333333.3333334"),
        (0x41b3_de43_5555_5557, "333333333.33333343"),
        (0xbecb_f647_612f_3696, "-0.0000033333333333333333"),
        (0x4314_3ff3_c1cb_0959, "1424953923781206.2"),
    ]

    @Test("Appendix B", arguments: appendixB)
    func appendixBRow(bits: UInt64, expected: String) throws {
        let bytes = try CanonicalJSON.encode(.number(Double(bitPattern: bits)))
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
    }

    /// Appendix B's NaN and Infinity rows, which have no serialization.
    @Test("Appendix B non-finite rows are rejected", arguments: [0x7fff_ffff_ffff_ffff, 0x7ff0_0000_0000_0000, 0xfff0_0000_0000_0000] as [UInt64])
    func nonFinite(bits: UInt64) {
        #expect(throws: CanonicalJSONError.nonFiniteNumber) {
            try CanonicalJSON.encode(.array([.number(Double(bitPattern: bits))]))
        }
    }

    /// The boundaries of each ECMAScript layout branch.
    @Test(arguments: [
        (1, "1"), (-1, "-1"), (100, "100"), (1.5, "1.5"), (0.1, "0.1"), (-0.5, "-0.5"),
        (1e20, "100000000000000000000"), (1.2345678901234568e20, "123456789012345680000"),
        (1e21, "1e+21"), (-1e21, "-1e+21"), (1.5e21, "1.5e+21"), (1e300, "1e+300"),
        (1e-6, "0.000001"), (1.25e-6, "0.00000125"), (1e-7, "1e-7"), (-1.2e-7, "-1.2e-7"),
        (123.456, "123.456"), (4.5, "4.5"), (2e-3, "0.002"), (1e-27, "1e-27"),
        (2.2250738585072014e-308, "2.2250738585072014e-308"),
    ] as [(Double, String)])
    func layout(value: Double, expected: String) {
        #expect(ECMAScriptNumber.string(for: value) == expected)
    }

    /// Whatever the layout, the text must read back as the same double, with no more digits
    /// than Swift's shortest round-trip form.
    @Test func randomBitPatternsRoundTrip() {
        var random = SeededGenerator(seed: 0x8785)
        for _ in 0..<20_000 {
            let value = Double(bitPattern: random.next())
            guard value.isFinite else { continue }
            let text = ECMAScriptNumber.string(for: value)
            #expect(Double(text) == value, "\(text) does not read back as \(value)")
            #expect(significantDigits(text) == significantDigits(value.magnitude.description))
        }
    }

    private func significantDigits(_ text: String) -> Int {
        let mantissa = text.split(separator: "e")[0].filter(\.isNumber)
        return mantissa.drop { $0 == "0" }.reversed().drop { $0 == "0" }.count
    }
}
