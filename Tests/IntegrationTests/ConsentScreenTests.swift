import BrokerClient
import Foundation
import SamtykkeAPI
import Testing

/// `samtykke consent show` and `list` print what the bank wrote escaped, so a row stored before the
/// broker refused hidden characters cannot fake a line of the consent screen or reverse its text.
@Suite struct ConsentScreenTests {
    static func view(purposeText: String, code: String = "loan-application") throws -> ConsentView {
        let document: [String: Any] = [
            "id": "0b9d3c1e-9a4f-4d7e-8a51-1f0e4c2b7d60", "bankOrg": "986352325", "personId": "14830351257",
            "scopes": ["income"], "years": [2024], "purpose": ["code": code, "text": purposeText],
            "validUntil": "2026-12-01T12:00:00Z", "maxUses": 1, "uses": 0, "status": "pending", "createdAt": "2026-11-23T12:00:00Z",
            "requestExpiresAt": "2026-11-30T12:00:00Z", "statusChangedAt": "2026-11-23T12:00:00Z",
        ]
        return try JSONDecoder().decode(ConsentView.self, from: JSONSerialization.data(withJSONObject: document))
    }

    @Test func hiddenCharactersInAStoredPurposeArePrintedEscaped() throws {
        let forged = "Mortgage\nstatus      active\u{202E}gnimoc\u{2028}\u{200B}"
        let shown = try Self.view(purposeText: forged).text
        let purposeLine = try #require(shown.split(separator: "\n").first { $0.hasPrefix("purpose") })
        #expect(purposeLine == #"purpose     loan-application: Mortgage\u{000A}status      active\u{202E}gnimoc\u{2028}\u{200B}"#)
        #expect(shown.split(separator: "\n").filter { $0.hasPrefix("status") }.count == 1)
        #expect(!shown.unicodeScalars.contains { $0 == "\u{202E}" || $0 == "\u{2028}" || $0 == "\u{200B}" })
    }

    @Test func theListLineEscapesTheCodeToo() throws {
        let line = try Self.view(purposeText: "x", code: "loan\u{1B}[2J").line
        #expect(line.hasSuffix(#"loan\u{001B}[2J"#))
    }

    @Test func ordinaryTextIsPrintedAsItIs() throws {
        #expect(try Self.view(purposeText: "Boliglån i Bergen").text.contains("purpose     loan-application: Boliglån i Bergen\n"))
    }
}
