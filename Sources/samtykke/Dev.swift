import ArgumentParser
import DevPKI
import Foundation
import SamtykkeCore
import SamtykkeJOSE

struct Dev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Development helpers: a throwaway PKI and citizen ID tokens. Never for production.",
        subcommands: [PKI.self, IDToken.self]
    )

    struct PKI: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pki",
            abstract: "Make a dev CA, the agency's server certificate, the broker's client certificate, and the signing, log and ID-provider keys (openssl)."
        )

        @Option(help: "Directory to create.")
        var out: String?
        @Flag(help: "Replace an existing PKI in that directory.")
        var force = false

        func run() async throws {
            try await reportingErrors {
                let dir = URL(fileURLWithPath: try Env.require("out", out))
                let paths = try DevPKI.make(in: dir, overwrite: force)
                print("dev PKI written to \(paths.directory.path) (keys are mode 0600; for development only)")
            }
        }
    }

    struct IDToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "id-token",
            abstract: "Mint a citizen ID token with the dev provider key; prints the token alone on one line."
        )

        @Option(help: "The dev PKI directory.")
        var pki: String?
        @Option(help: "The citizen's national identity number (the `pid` claim).")
        var pid: String?
        @Option(help: "Assurance level (default idporten-loa-high).")
        var acr: String?
        @Option(help: "Lifetime in seconds (default 600, the longest the broker accepts unless configured otherwise).")
        var lifetime: Int?

        func run() async throws {
            try await reportingErrors {
                let pid = try Env.require("pid", pid)
                let person: PersonID
                do throws(DomainError) {
                    person = try PersonID(pid)
                } catch {
                    throw ValidationError("--pid \(pid) is not a national identity number: \(error.reason)")
                }
                let seconds = try Env.integer("lifetime", lifetime, default: Int(IDTokenVerifier.Configuration.defaultMaximumLifetime))
                guard seconds > 0 else { throw ValidationError("--lifetime must be at least 1 second, not \(seconds)") }
                let paths = PKIPaths(directory: URL(fileURLWithPath: try Env.require("pki", pki)))
                let provider = DevIDProvider(signer: try await ES256Signer(privateKey: KeyFiles.p256(paths.idProviderKey.path)))
                let token = try await provider.mint(pid: person.digits, acr: Env.value("acr", acr) ?? "idporten-loa-high", lifetime: TimeInterval(seconds))
                print(token)
            }
        }
    }
}
