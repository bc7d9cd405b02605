import ArgumentParser
import Foundation

/// SPEC §7: every flag also reads from `SAMTYKKE_<FLAG>`. swift-argument-parser has no environment
/// support (apple/swift-argument-parser#4), so options are declared optional and each command's
/// `validate()` fills in what the command line left out: the flag wins, then the environment, then
/// the default. Secrets stay out of `--help`, and a value from the environment is held to the same
/// rules as the flag before `run()` starts.
enum Env {
    static func variable(for flag: String) -> String {
        "SAMTYKKE_" + flag.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    /// The variable's text, nil when it is unset or empty.
    static func text(_ flag: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[variable(for: flag)], !value.isEmpty else { return nil }
        return value
    }

    /// `value` from the environment when the command line gave none, parsed as the flag's type
    /// parses it; a value that does not parse is refused the way ArgumentParser refuses a bad flag.
    static func fill<T: ExpressibleByArgument>(_ value: inout T?, _ flag: String) throws {
        try fill(&value, flag) { text in
            guard let parsed = T(argument: text) else {
                let choices = T.allValueStrings.isEmpty ? "" : " (one of \(T.allValueStrings.joined(separator: ", ")))"
                throw ValidationError("\(variable(for: flag)) is not a valid value\(choices): \(text)")
            }
            return parsed
        }
    }

    /// The same, for an option whose flag is parsed by `parse` (its `transform`).
    static func fill<T>(_ value: inout T?, _ flag: String, _ parse: (String) throws -> T) throws {
        guard value == nil, let text = text(flag) else { return }
        value = try parse(text)
    }

    /// A repeatable option: a comma-separated list in the environment.
    static func fill<T>(_ values: inout [T], _ flag: String, _ parse: (String) throws -> T) throws {
        guard values.isEmpty, let text = text(flag) else { return }
        values = try text.split(separator: ",").map { try parse($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// A `@Flag`: set by the environment too (`SAMTYKKE_WEBHOOK_ALLOW_PRIVATE=true`).
    static func fill(_ flag: inout Bool, _ name: String) throws {
        var value: Bool? = flag ? true : nil
        try fill(&value, name)
        flag = value ?? false
    }

    /// `fill`, then refuses to go on without a value: `run()` may rely on it.
    static func require<T: ExpressibleByArgument>(_ value: inout T?, _ flag: String) throws {
        try fill(&value, flag)
        try present(value, flag)
    }

    static func require<T>(_ value: inout T?, _ flag: String, _ parse: (String) throws -> T) throws {
        try fill(&value, flag, parse)
        try present(value, flag)
    }

    /// Refuses to go on without a value already filled in.
    static func present<T>(_ value: T?, _ flag: String) throws {
        guard value == nil else { return }
        throw ValidationError("missing --\(flag) (or \(variable(for: flag)))")
    }
}
