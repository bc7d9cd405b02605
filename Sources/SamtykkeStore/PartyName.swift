import SamtykkeCore

/// The name of a bank or an auditor, as citizens and operators will read it.
public enum PartyName {
    public static func checked(_ name: String) throws -> String {
        let trimmed = String(name.trimmingWhitespace)
        guard !trimmed.isEmpty else { throw StorageError.refused(.invalid("name", "must not be blank")) }
        return trimmed
    }
}
