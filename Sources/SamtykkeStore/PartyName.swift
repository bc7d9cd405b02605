import SamtykkeCore

/// The name of a bank or an auditor, as citizens and operators will read it: not blank, and free of
/// the control and format characters that could make it read as something else.
public enum PartyName {
    public static let maxCharacters = 200

    public static func checked(_ name: String) throws -> String {
        let trimmed = String(name.trimmingWhitespace)
        guard !trimmed.isEmpty else { throw StorageError.refused(.invalid("name", "must not be blank")) }
        do throws(DomainError) {
            try FreeText.validate(trimmed, field: "name", maxCharacters: maxCharacters)
        } catch {
            throw StorageError.refused(error)
        }
        return trimmed
    }
}
