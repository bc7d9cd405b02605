import ArgumentParser
import BrokerClient
import SamtykkeApp

extension JWKSSource {
    /// `bundle verify --jwks`: a broker's keys, from a file or an https URL, refused while parsing
    /// when it is neither (keys read over plain http prove nothing about who signed).
    static func bundleKeys(_ text: String) throws -> JWKSSource {
        do {
            return try JWKSSource(text)
        } catch {
            throw ValidationError("--jwks \(error)")
        }
    }
}

extension LogVerifierKey {
    /// `--log-key` read in `validate()`: the key itself, so `run()` never meets a bad one.
    static func argument(_ text: String) throws -> String {
        do {
            return try resolve(text)
        } catch {
            throw ValidationError(error.description)
        }
    }
}
