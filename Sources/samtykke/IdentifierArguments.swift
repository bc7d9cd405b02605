import ArgumentParser
import SamtykkeCore

extension OrgNumber {
    /// An organisation number option's `transform`: a bad number is refused while parsing.
    static func argument(_ text: String) throws -> OrgNumber {
        do throws(DomainError) {
            return try OrgNumber(text)
        } catch {
            throw ValidationError("\(text) is not an organisation number: \(error.reason)")
        }
    }
}

extension PersonID {
    /// A national identity number option's `transform`: both check digits are verified while parsing.
    static func argument(_ text: String) throws -> PersonID {
        do throws(DomainError) {
            return try PersonID(text)
        } catch {
            throw ValidationError("\(text) is not a national identity number: \(error.reason)")
        }
    }
}
