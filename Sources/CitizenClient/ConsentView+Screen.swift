import Foundation
import SamtykkeAPI
import SamtykkeCore

/// A consent as a citizen's client shows it, in the citizen's language. What the bank wrote, and its
/// name, go through `FreeText.escaped`: rows stored before the broker refused hidden characters still
/// hold them, and a newline or a bidirectional override could make the screen lie. Times are the
/// reader's local time, with the offset, so "valid until" means what it says where they sit.
extension ConsentView {
    /// Who asks: the bank's registered name and number, or the number alone if the broker sent no name.
    public func bank(_ strings: CitizenStrings = .english) -> String {
        bankName.map { "\(FreeText.escaped($0)) (\(bankOrg))" } ?? strings.unnamedBank(bankOrg)
    }

    /// What the bank may fetch: "income, debt for 2023, 2024".
    public func data(_ strings: CitizenStrings = .english) -> String {
        strings.dataFor(scopes.map(strings.scope).joined(separator: ", "), years.map(String.init).joined(separator: ", "))
    }

    var purposeText: String {
        "\(FreeText.escaped(purpose.code)): \(FreeText.escaped(purpose.text))"
    }

    /// The whole consent, one field a line.
    public func text(in timeZone: TimeZone, strings: CitizenStrings = .english) -> String {
        let time = { LocalTime.text($0, in: timeZone) }
        let labels = strings.labels
        var fields = [
            (labels.consent, id),
            (labels.status, strings.status(status)),
            (labels.bank, bank(strings)),
            (labels.person, personId),
            (labels.data, data(strings)),
            (labels.purpose, purposeText),
            (labels.validUntil, time(validUntil)),
            (labels.uses, strings.uses(uses, maxUses)),
            (labels.requested, time(createdAt)),
        ]
        if let grantedAt { fields.append((labels.granted, time(grantedAt))) }
        let labelWidth = fields.map { TerminalText.width($0.0) }.max()! + 1
        return fields.map { TerminalText.pad($0.0, to: labelWidth) + $0.1 }.joined(separator: "\n")
    }

    /// What an answer gives (or refuses) whom, asked before it is sent.
    public func question(_ action: CitizenAction, in timeZone: TimeZone, strings: CitizenStrings = .english) -> String {
        let until = LocalTime.text(validUntil, in: timeZone)
        return switch action {
        case .grant: strings.grantQuestion(bank(strings), data(strings), maxUses, until, purposeText)
        case .deny: strings.denyQuestion(bank(strings), data(strings), purposeText)
        case .revoke: strings.revokeQuestion(bank(strings), data(strings), max(0, maxUses - uses), until)
        }
    }

    /// What a grant gives whom, asked before it is sent.
    public func grantQuestion(in timeZone: TimeZone, strings: CitizenStrings = .english) -> String {
        question(.grant, in: timeZone, strings: strings)
    }

    /// The line after an answer the broker took.
    public func done(_ action: CitizenAction, in timeZone: TimeZone, strings: CitizenStrings = .english) -> String {
        strings.done(action, id, bank(strings), data(strings), LocalTime.text(validUntil, in: timeZone), strings.status(status))
    }
}

/// Consents as a table under a header row, newest first as the broker sent them, fitted to the
/// terminal's width.
public enum ConsentTable {
    /// Purpose texts are cut here even on a wide terminal, and sooner on a narrow one; `consent show`
    /// prints the whole text.
    public static let purposeWidth = 40
    /// A bank's name and number are cut here; `consent show` prints them whole.
    public static let bankWidth = 40
    /// The narrowest a purpose or a bank is cut to before the layout gives up a column instead.
    static let minimumCut = 12

    /// `width` nil: as wide as the rows are. Otherwise no line is wider: the purpose is cut first,
    /// then the valid-until time shortened to its date, columns left out (the data, the purpose) and
    /// the bank cut, then the date and the bank left out, while the id and status stay whole as long as the width holds them.
    public static func text(_ consents: [ConsentView], in timeZone: TimeZone, strings: CitizenStrings = .english, width: Int? = nil) -> String {
        let headers = strings.headers
        let columns: [ColumnFit.Column] = [
            .init(cells: [headers.consent] + consents.map(\.id)),
            .init(cells: [headers.status] + consents.map { strings.status($0.status) }),
            .init(cells: [headers.bank] + consents.map { $0.bank(strings) }, cap: bankWidth),
            .init(cells: [headers.data] + consents.map { $0.data(strings) }),
            .init(cells: [headers.validUntil] + consents.map { LocalTime.text($0.validUntil, in: timeZone) }),
            .init(cells: [headers.validUntil] + consents.map { LocalTime.date($0.validUntil, in: timeZone) }),
            .init(cells: [headers.purpose] + consents.map { FreeText.escaped($0.purpose.text) }, cap: purposeWidth),
        ]
        let (id, status, bank, data, until, date, purpose) = (0, 1, 2, 3, 4, 5, 6)
        let purposeCut = (purpose, ColumnFit.Use.cut(minimum: minimumCut))
        let layouts: [ColumnFit.Layout] = [
            [(id, .whole), (status, .whole), (bank, .whole), (data, .whole), (until, .whole), purposeCut],
            [(id, .whole), (status, .whole), (bank, .whole), (data, .whole), (date, .whole), purposeCut],
            [(id, .whole), (status, .whole), (bank, .whole), (until, .whole), purposeCut],
            [(id, .whole), (status, .whole), (bank, .whole), (date, .whole), purposeCut],
            [(id, .whole), (status, .whole), (bank, .whole), (date, .whole)],
            [(id, .whole), (status, .whole), (bank, .cut(minimum: minimumCut)), (date, .whole)],
            [(id, .whole), (status, .whole), (bank, .cut(minimum: minimumCut))],
            [(id, .whole), (status, .whole)],
            [(id, .cut(minimum: 1))],
        ]
        return ColumnFit.lines(columns, layouts: layouts, width: width).joined(separator: "\n")
    }
}
