import SamtykkeAPI

extension Language {
    /// The language a citizen reads the consent commands in, from the locale variables in POSIX's
    /// order: `LC_ALL` wins over `LC_MESSAGES`, which wins over `LANG`; an empty variable counts as
    /// unset. Norwegian in either written form (`nb`, `nn`) or the old `no` gets bokmål, the form the
    /// pages are written in too; anything else (`C`, `POSIX`, `en_GB.UTF-8`) English.
    public static func from(environment: [String: String]) -> Language {
        let setting = ["LC_ALL", "LC_MESSAGES", "LANG"].lazy.compactMap { environment[$0] }.first { !$0.isEmpty } ?? ""
        let code = setting.prefix { $0 != "_" && $0 != "." && $0 != "@" && $0 != "-" }.lowercased()
        return ["nb", "nn", "no"].contains(code) ? .bokmål : .english
    }

    public var strings: CitizenStrings {
        switch self {
        case .english: .english
        case .bokmål: .bokmål
        }
    }
}
