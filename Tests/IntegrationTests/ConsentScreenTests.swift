import BrokerClient
import CitizenClient
import Foundation
import SamtykkeAPI
import Testing
import TestSupport

/// What `samtykke consent show`, `list` and `grant` print: what the bank wrote escaped, so a row
/// stored before the broker refused hidden characters cannot fake a line of the consent screen or
/// reverse its text; the bank by name; times in the reader's zone.
@Suite(.heavy, .sameOnEveryBackend) struct ConsentScreenTests {
    static let oslo = TimeZone(identifier: "Europe/Oslo")!
    static let utc = TimeZone(identifier: "UTC")!

    static func view(purposeText: String, code: String = "loan-application", bankName: String? = "Demo Sparebank", id: String = "0b9d3c1e-9a4f-4d7e-8a51-1f0e4c2b7d60") throws -> ConsentView {
        var document: [String: Any] = [
            "id": id, "bankOrg": "986352325", "personId": "14830351257",
            "scopes": ["income", "debt"], "years": [2023, 2024], "purpose": ["code": code, "text": purposeText],
            "validUntil": "2026-12-01T12:00:00Z", "maxUses": 3, "uses": 0, "status": "pending", "createdAt": "2026-11-23T12:00:00Z",
            "requestExpiresAt": "2026-11-30T12:00:00Z", "statusChangedAt": "2026-11-23T12:00:00Z",
        ]
        document["bankName"] = bankName
        return try JSONDecoder().decode(ConsentView.self, from: JSONSerialization.data(withJSONObject: document))
    }

    @Test func hiddenCharactersInAStoredPurposeArePrintedEscaped() throws {
        let forged = "Mortgage\nstatus      active\u{202E}gnimoc\u{2028}\u{200B}"
        let shown = try Self.view(purposeText: forged).text(in: Self.utc)
        let purposeLine = try #require(shown.split(separator: "\n").first { $0.hasPrefix("purpose") })
        #expect(purposeLine == #"purpose     loan-application: Mortgage\u{000A}status      active\u{202E}gnimoc\u{2028}\u{200B}"#)
        #expect(shown.split(separator: "\n").filter { $0.hasPrefix("status") }.count == 1)
        #expect(!shown.unicodeScalars.contains { $0 == "\u{202E}" || $0 == "\u{2028}" || $0 == "\u{200B}" })
    }

    @Test func theTableAndTheQuestionEscapeTheBanksTextToo() throws {
        let view = try Self.view(purposeText: "x\u{1B}[2J", code: "loan\u{1B}[2J", bankName: "Evil\nBank")
        let table = ConsentTable.text([view], in: Self.utc)
        #expect(table.split(separator: "\n").count == 2)
        #expect(table.contains(#"x\u{001B}[2J"#) && table.contains(#"Evil\u{000A}Bank (986352325)"#))
        let question = view.grantQuestion(in: Self.utc)
        #expect(question.split(separator: "\n").count == 3)
        #expect(!question.unicodeScalars.contains { $0 == "\u{1B}" })
    }

    @Test func ordinaryTextIsPrintedAsItIs() throws {
        #expect(try Self.view(purposeText: "Boliglån i Bergen").text(in: Self.utc).contains("purpose     loan-application: Boliglån i Bergen\n"))
    }

    @Test func timesAreShownInTheReadersZoneWithTheOffset() throws {
        #expect(LocalTime.text("2026-12-01T12:00:00Z", in: Self.oslo) == "2026-12-01 13:00 +01:00")
        #expect(LocalTime.text("2026-07-01T12:00:00.250Z", in: Self.oslo) == "2026-07-01 14:00 +02:00")
        #expect(LocalTime.text("2026-12-01T12:00:00Z", in: Self.utc) == "2026-12-01 12:00 +00:00")
        let shown = try Self.view(purposeText: "x").text(in: Self.oslo)
        #expect(shown.contains("valid until 2026-12-01 13:00 +01:00\n"))
        #expect(shown.contains("requested   2026-11-23 13:00 +01:00"))
    }

    @Test func theListHasAHeaderRowAndOneAlignedRowPerConsent() throws {
        let long = String(repeating: "Mortgage for a flat in Bergen ", count: 3)
        let views = [
            try Self.view(purposeText: "Car loan"),
            try Self.view(purposeText: long, bankName: nil, id: "0b9d3c1e-9a4f-4d7e-8a51-1f0e4c2b7d61"),
        ]
        let lines = ConsentTable.text(views, in: Self.oslo).split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("CONSENT"))
        for header in ["STATUS", "BANK", "DATA", "VALID UNTIL", "PURPOSE"] { #expect(lines[0].contains(header)) }
        #expect(lines[1].contains("Demo Sparebank (986352325)") && lines[1].contains("income, debt for 2023, 2024"))
        #expect(lines[1].contains("2026-12-01 13:00 +01:00") && lines[1].hasSuffix("Car loan"))
        #expect(lines[2].contains("bank 986352325"))
        // The purpose column starts where its header does, and a long text is cut with an ellipsis.
        let column = try #require(lines[0].range(of: "PURPOSE")).lowerBound.utf16Offset(in: lines[0])
        #expect(lines[1].dropFirst(column).hasPrefix("Car loan"))
        #expect(lines[2].dropFirst(column).count == ConsentTable.purposeWidth && lines[2].hasSuffix("…"))
    }

    @Test func theQuestionSaysWhoGetsWhatForHowLong() throws {
        let question = try Self.view(purposeText: "Car loan").grantQuestion(in: Self.oslo)
        #expect(question == """
            Demo Sparebank (986352325) asks to fetch your income, debt for 2023, 2024 from the tax agency,
            at most 3 times until 2026-12-01 13:00 +01:00,
            for loan-application: Car loan
            """)
    }
}
