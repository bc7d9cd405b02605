import ArgumentParser
import Foundation
import SamtykkeApp

/// SPEC §7: every flag also reads from `SAMTYKKE_<FLAG>`. swift-argument-parser has no environment
/// support (apple/swift-argument-parser#4), so options are declared optional and resolved here after
/// parsing: the flag wins, then the environment, then the default. Secrets stay out of `--help`.
enum Env {
    static func variable(for flag: String) -> String {
        "SAMTYKKE_" + flag.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    static func value(_ flag: String, _ given: String?) -> String? {
        if let given { return given }
        guard let value = ProcessInfo.processInfo.environment[variable(for: flag)], !value.isEmpty else { return nil }
        return value
    }

    static func require(_ flag: String, _ given: String?) throws -> String {
        guard let value = value(flag, given) else {
            throw ValidationError("missing --\(flag) (or \(variable(for: flag)))")
        }
        return value
    }

    /// A typed value from the flag or the environment; a value of the environment that does not
    /// parse is refused the way ArgumentParser refuses a bad flag.
    static func parsed<T: ExpressibleByArgument>(_ flag: String, _ given: T?) throws -> T? {
        if let given { return given }
        guard let text = value(flag, nil) else { return nil }
        guard let parsed = T(argument: text) else {
            let choices = T.allValueStrings.isEmpty ? "" : " (one of \(T.allValueStrings.joined(separator: ", ")))"
            throw ValidationError("\(variable(for: flag)) is not a valid value\(choices): \(text)")
        }
        return parsed
    }

    static func integer(_ flag: String, _ given: Int?, default fallback: Int) throws -> Int {
        try parsed(flag, given) ?? fallback
    }
}

extension StoreLocation {
    /// `--data-dir` or `--database`, each also from its `SAMTYKKE_` variable: for every command that
    /// opens the store.
    static func fromFlags(dataDir: String?, database: String?) throws -> StoreLocation {
        try StoreLocation(dataDir: Env.value("data-dir", dataDir), database: Env.value("database", database))
    }
}
