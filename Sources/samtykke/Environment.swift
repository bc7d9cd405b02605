import ArgumentParser
import Foundation

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

    static func integer(_ flag: String, _ given: Int?, default fallback: Int) throws -> Int {
        if let given { return given }
        guard let text = value(flag, nil) else { return fallback }
        guard let number = Int(text) else { throw ValidationError("\(variable(for: flag)) must be a whole number, not \(text)") }
        return number
    }
}
