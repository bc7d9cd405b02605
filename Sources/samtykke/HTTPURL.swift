import ArgumentParser
import Foundation

/// `--server`, `--tax-agency`: an http or https URL with a host, refused when parsed rather than at
/// the first request. A trailing slash is dropped, so one broker is always written one way (the
/// audit state file is named after it).
struct HTTPURL: ExpressibleByArgument, Sendable, CustomStringConvertible {
    let description: String

    init?(argument: String) {
        guard let url = URL(string: argument), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
            return nil
        }
        description = argument.hasSuffix("/") ? String(argument.dropLast()) : argument
    }
}
