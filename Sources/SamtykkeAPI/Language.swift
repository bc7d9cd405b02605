import SamtykkeCore

/// The language a citizen reads: the access log's sentences, the consent pages and the CLI's
/// citizen commands. The API itself answers in English.
public enum Language: Sendable, Hashable, CaseIterable {
    case english
    case bokmål

    /// A scope in words: "income", "inntekt".
    public func name(of scope: Scope) -> String {
        switch (self, scope) {
        case (.english, .income): "income"
        case (.english, .debt): "debt"
        case (.english, .wealth): "wealth"
        case (.bokmål, .income): "inntekt"
        case (.bokmål, .debt): "gjeld"
        case (.bokmål, .wealth): "formue"
        }
    }

    /// "income, debt and wealth": words joined as a sentence does.
    public func list(_ words: [String]) -> String {
        guard words.count > 1, let last = words.last else { return words.joined() }
        return words.dropLast().joined(separator: ", ") + (self == .bokmål ? " og " : " and ") + last
    }
}
