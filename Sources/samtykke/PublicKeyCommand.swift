import ArgumentParser
import Foundation
import SamtykkeCore
import SamtykkeJOSE
import SamtykkeStore

/// `samtykke bank key add|list|remove`: the public keys a bank signs its `/v1/token` grants with.
/// A running broker reads them on every token request, so a change counts at once.
struct PublicKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Add, list and remove a bank's public keys for /v1/token (rotate by adding the new key before removing the old).",
        subcommands: [Add.self, List.self, Remove.self]
    )

    /// The keys of a JWKS file, each checked, as the store takes them.
    static func read(_ path: String, now: Date) throws -> [RegisteredKey] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CLIError("--jwks \(path): cannot be read")
        }
        do {
            return try BankJWK.set(from: data).map { RegisteredKey(kid: $0.kid!, jwk: $0.json, createdAt: now) }
        } catch {
            throw CLIError("--jwks \(path): \(error)")
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add the keys of a JWKS file to a bank; prints each kid added.")
        @OptionGroup var bank: BankFlags
        @Option(help: "A JWKS file: ES256 (EC P-256) or RS256 (RSA ≥ 2048) public keys, each with a kid unique within the bank.")
        var jwks: String?

        mutating func validate() throws {
            try Env.require(&jwks, "jwks")
        }

        func run() async throws {
            try await reportingErrors {
                let org = bank.bank
                let keys = try PublicKeyCommand.read(jwks!, now: Date())
                try await bank.store.with { try await $0.addPublicKeys(keys, org: org, now: Date()) }
                for key in keys { print("added key \(key.kid)") }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a bank's public keys: kid, algorithm, when added.")
        @OptionGroup var bank: BankFlags
        @Flag(help: "Print JSON: the keys as a JWKS, each with createdAt.")
        var json = false

        func run() async throws {
            try await reportingErrors {
                let org = bank.bank
                let keys = try await bank.store.with { try await $0.publicKeys(of: org) }
                let parsed = try keys.map { (stored: $0, key: try BankJWK(stored: $0.jwk)) }
                if json {
                    // The stored JSON is ours (`BankJWK.json`): parsed again only to add createdAt.
                    let objects = try parsed.map { entry -> [String: String] in
                        var object = try JSONDecoder().decode([String: String].self, from: Data(entry.stored.jwk.utf8))
                        object["createdAt"] = RFC3339.string(from: entry.stored.createdAt)
                        return object
                    }
                    return try printJSON(["keys": objects])
                }
                for (stored, key) in parsed { print("\(stored.kid)  \(key.alg.rawValue)  added \(RFC3339.string(from: stored.createdAt))") }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a bank's public key; token requests signed with it are refused at once, and the tokens it granted within a second.")
        @OptionGroup var bank: BankFlags
        @Option(help: "The key's kid.")
        var kid: String?

        mutating func validate() throws {
            try Env.require(&kid, "kid")
        }

        func run() async throws {
            try await reportingErrors {
                let (org, kid) = (bank.bank, kid!)
                guard try await bank.store.with({ try await $0.removePublicKey(of: org, kid: kid) }) else {
                    throw CLIError("bank \(org) has no key with kid \(kid)")
                }
                print("removed key \(kid)")
            }
        }
    }
}
