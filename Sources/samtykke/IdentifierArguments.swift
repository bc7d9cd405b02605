import ArgumentParser
import SamtykkeCore

/// The `transform` of an identifier option: a bad value is refused while parsing, with the
/// subcommand's usage, saying what it is not and why.
func identifier<T>(_ text: String, is what: String, _ parse: (String) throws(DomainError) -> T) throws -> T {
    do throws(DomainError) {
        return try parse(text)
    } catch {
        throw ValidationError("\(text) is not \(what): \(error.reason)")
    }
}

extension OrgNumber {
    static func argument(_ text: String) throws -> OrgNumber { try identifier(text, is: "an organisation number", OrgNumber.init) }
}

extension PersonID {
    /// Both check digits are verified while parsing.
    static func argument(_ text: String) throws -> PersonID { try identifier(text, is: "a national identity number", PersonID.init) }
}
