import ArgumentParser
import DevPKI
import Foundation
import SamtykkeApp
import SamtykkeCore
import SamtykkeJOSE

struct Dev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Development helpers: a throwaway PKI, citizen ID tokens and an ID provider. Never for production.",
        subcommands: [PKI.self, IDToken.self, IDProvider.self]
    )

    struct PKI: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pki",
            abstract: "Make a dev CA, the agency's and the dev ID provider's server certificates, the broker's client certificate, the signing, log and ID-provider keys (openssl), and the broker's secret at the dev ID provider (id-client-secret)."
        )

        @Option(help: "Directory to create.")
        var out: String?
        @Flag(help: "Replace an existing PKI in that directory.")
        var force = false

        mutating func validate() throws {
            try Env.require(&out, "out")
        }

        func run() async throws {
            try await reportingErrors {
                let dir = URL(fileURLWithPath: out!)
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
        @Option(help: "The citizen's national identity number (the `pid` claim).", transform: Self.person)
        var pid: PersonID?
        @Option(help: "Assurance level (default idporten-loa-high).")
        var acr: String?
        @Option(help: "Lifetime in seconds (default 600, the longest the broker accepts unless `serve --id-token-max-lifetime` says otherwise).")
        var lifetime: Int?

        static func person(_ text: String) throws -> PersonID {
            do throws(DomainError) {
                return try PersonID(text)
            } catch {
                throw ValidationError("--pid \(text) is not a national identity number: \(error.reason)")
            }
        }

        mutating func validate() throws {
            try Env.require(&pid, "pid", Self.person)
            try Env.fill(&lifetime, "lifetime")
            if let lifetime, lifetime <= 0 { throw ValidationError("--lifetime must be at least 1 second, not \(lifetime)") }
            try Env.require(&pki, "pki")
            try Env.fill(&acr, "acr")
        }

        func run() async throws {
            try await reportingErrors {
                let paths = PKIPaths(directory: URL(fileURLWithPath: pki!))
                let provider = DevIDProvider(signer: try ES256Signer(privateKey: KeyFiles.p256(paths.idProviderKey.path)))
                let seconds = lifetime ?? Int(IDTokenVerifier.Configuration.defaultMaximumLifetime)
                let token = try provider.mint(pid: pid!.digits, acr: acr ?? "idporten-loa-high", lifetime: TimeInterval(seconds))
                print(token)
            }
        }
    }
}
