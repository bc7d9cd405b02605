import ArgumentParser
import BrokerClient
import SamtykkeApp

extension JWKSSource {
    /// `bundle verify --jwks`: a broker's keys, from a file or a URL (plain http too, for a dev
    /// broker on 127.0.0.1), refused while parsing when it is neither.
    static func bundleKeys(_ text: String) throws -> JWKSSource {
        do {
            return try JWKSSource(text, allowingPlainHTTP: true)
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
