import Foundation
import SamtykkeAPI
import SamtykkeCore

/// A consent as a citizen's client shows it. What the bank wrote, and its name, go through
/// `FreeText.escaped`: rows stored before the broker refused hidden characters still hold them, and
/// a newline or a bidirectional override could make the screen lie. Times are the reader's local
/// time, with the offset, so "valid until" means what it says where they sit.
extension ConsentView {
    /// Who asks: the bank's registered name and number, or the number alone if the broker sent no name.
    public var bank: String {
        bankName.map { "\(FreeText.escaped($0)) (\(bankOrg))" } ?? "bank \(bankOrg)"
    }

    /// What the bank may fetch: "income, debt for 2023, 2024".
    public var data: String {
        "\(scopes.map(\.rawValue).joined(separator: ", ")) for \(years.map(String.init).joined(separator: ", "))"
    }

    /// The whole consent, one field a line.
    public func text(in timeZone: TimeZone) -> String {
        let time = { LocalTime.text($0, in: timeZone) }
        return """
            consent     \(id)
            status      \(status.rawValue)
            bank        \(bank)
            person      \(personId)
            data        \(data)
            purpose     \(FreeText.escaped(purpose.code)): \(FreeText.escaped(purpose.text))
            valid until \(time(validUntil))
            uses        \(uses) of \(maxUses)
            requested   \(time(createdAt))
            """ + (grantedAt.map { "\ngranted     \(time($0))" } ?? "")
    }

    /// What a grant gives whom, asked before it is sent.
    public func grantQuestion(in timeZone: TimeZone) -> String {
        """
        \(bank) asks to fetch your \(data) from the tax agency,
        at most \(maxUses) time\(maxUses == 1 ? "" : "s") until \(LocalTime.text(validUntil, in: timeZone)),
        for \(FreeText.escaped(purpose.code)): \(FreeText.escaped(purpose.text))
        """
    }
}

/// Consents as a table under a header row, newest first as the broker sent them.
public enum ConsentTable {
    /// Purpose texts are cut here; `consent show` prints the whole text.
    public static let purposeWidth = 40

    public static func text(_ consents: [ConsentView], in timeZone: TimeZone) -> String {
        let header = ["CONSENT", "STATUS", "BANK", "DATA", "VALID UNTIL", "PURPOSE"]
        let rows = consents.map { consent in
            [consent.id, consent.status.rawValue, consent.bank, consent.data, LocalTime.text(consent.validUntil, in: timeZone), cut(FreeText.escaped(consent.purpose.text))]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max()! }
        return ([header] + rows).map { cells in
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ").trimmingTrailingSpaces
        }.joined(separator: "\n")
    }

    private static func cut(_ text: String) -> String {
        text.count <= purposeWidth ? text : String(text.prefix(purposeWidth - 1)) + "…"
    }
}

/// A time the broker sent (RFC 3339, UTC) in a reader's time zone: "2026-12-09 08:00 +01:00".
public enum LocalTime {
    public static func text(_ rfc3339: String, in timeZone: TimeZone) -> String {
        guard let date = RFC3339.date(from: rfc3339) else { return FreeText.escaped(rfc3339) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm xxx"
        return formatter.string(from: date)
    }
}

extension String {
    fileprivate var trimmingTrailingSpaces: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
