import SamtykkeAPI
import SamtykkeCore

/// A consent as a citizen's client shows it. What the bank wrote goes through `FreeText.escaped`:
/// rows stored before the broker refused hidden characters still hold them, and a newline or a
/// bidirectional override could make the screen lie.
extension ConsentView {
    /// One line of a list.
    public var line: String {
        "\(id)  \(status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))  bank \(bankOrg)  \(scopes.map(\.rawValue).joined(separator: ",")) \(years.map(String.init).joined(separator: ","))  \(FreeText.escaped(purpose.code))"
    }

    /// The whole consent, one field a line.
    public var text: String {
        """
        consent     \(id)
        status      \(status.rawValue)
        bank        \(bankOrg)
        person      \(personId)
        data        \(scopes.map(\.rawValue).joined(separator: ", ")) for \(years.map(String.init).joined(separator: ", "))
        purpose     \(FreeText.escaped(purpose.code)): \(FreeText.escaped(purpose.text))
        valid until \(validUntil)
        uses        \(uses) of \(maxUses)
        requested   \(createdAt)
        """ + (grantedAt.map { "\ngranted     \($0)" } ?? "")
    }
}
