import ArgumentParser
import SamtykkeCore

extension OrgNumber {
    /// `--org`'s `transform`: a bad number is refused while parsing, naming the flag.
    static func argument(_ text: String) throws -> OrgNumber {
        do throws(DomainError) {
            return try OrgNumber(text)
        } catch {
            throw ValidationError("--org \(text) is not an organisation number: \(error.reason)")
        }
    }
}
