import ArgumentParser
import Foundation
import SamtykkeCore
import SamtykkeStore

struct Bank: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Register banks and manage their public keys (for /v1/token) and API keys.",
        subcommands: [Add.self, PublicKeyCommand.self, AddKey.self, Keys.self, RevokeKey.self, WebhookCommand.self, RedirectCommand.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a bank; with --jwks, with its public keys and no API key (prints nothing), else prints its API key, once, alone on one line."
        )
        @OptionGroup var bank: BankFlags
        @Option(help: "The bank's name, as citizens will see it.")
        var name: String?
        @Option(help: "A JWKS file of the bank's public keys (ES256 P-256 or RS256 RSA ≥ 2048, each with a kid) for /v1/token; then no API key is issued.")
        var jwks: String?
        @Option(help: "A URL the bank may send citizens back to from the consent page (repeatable; see `bank redirect`).", transform: RedirectCommand.registrable)
        var redirectUri: [RedirectURI] = []

        mutating func validate() throws {
            try Env.require(&name, "name")
            try Env.fill(&jwks, "jwks")
            try Env.fill(&redirectUri, "redirect-uri", RedirectCommand.registrable)
        }

        func run() async throws {
            try await reportingErrors {
                let (org, name, now, redirects) = (bank.bank, name!, Date(), redirectUri)
                guard let jwks else {
                    let key = try await bank.store.with { store in
                        let key = try await store.addBank(org: org, name: name, now: now)
                        for uri in redirects { _ = try await store.addRedirectURI(uri, org: org, now: now) }
                        return key
                    }
                    print(key.text)
                    return
                }
                let keys = try PublicKeyCommand.read(jwks, now: now)
                try await bank.store.with { store in
                    try await store.addBank(org: org, name: name, publicKeys: keys, now: now)
                    for uri in redirects { _ = try await store.addRedirectURI(uri, org: org, now: now) }
                }
            }
        }
    }

    struct AddKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add-key", abstract: "Issue another API key for a bank (to rotate keys).")
        @OptionGroup var bank: BankFlags

        func run() async throws {
            try await reportingErrors {
                let org = bank.bank
                print(try await bank.store.with { try await $0.addBankKey(org: org, now: Date()) }.text)
            }
        }
    }
}

extension Bank {
    struct Keys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a bank's live API key ids (the secrets are not stored).")
        @OptionGroup var bank: BankFlags
        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            try await reportingErrors {
                struct Key: Encodable {
                    let id: String
                    let createdAt: String
                }
                let org = bank.bank
                let keys = try await bank.store.with { try await $0.bankKeys(org: org) }
                    .map { Key(id: $0.id, createdAt: RFC3339.string(from: $0.createdAt)) }
                if json { return try printJSON(keys) }
                for key in keys { printEscaped("\(key.id)  issued \(key.createdAt)") }
            }
        }
    }

    struct RevokeKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke-key",
            abstract: "Revoke a bank's API key (running brokers refuse it within a second), by its id (sbk_<id>.… — the id is the 16 hex digits).",
            discussion: "Only bank keys: an auditor's key is revoked with `samtykke auditor revoke`."
        )
        @OptionGroup var store: StoreFlags
        @Option(help: "The key id, or the whole key.")
        var key: String?

        mutating func validate() throws {
            try Env.require(&key, "key")
            _ = try store.location()
        }

        func run() async throws {
            try await reportingErrors {
                let given = key!
                let id = APIKey(parsing: given)?.keyID ?? given
                guard try await store.with({ try await $0.revokeKey(id: id, role: .bank, now: Date()) }) else { throw CLIError("no live bank key with id \(id)") }
                print("revoked key \(id)")
            }
        }
    }
}

struct Auditor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Register, list and revoke read-only auditors.", subcommands: [Add.self, List.self, Revoke.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register an auditor; prints its key, once, alone on one line.")
        @OptionGroup var store: StoreFlags
        @Option(help: "The auditor's name.")
        var name: String?

        mutating func validate() throws {
            try Env.require(&name, "name")
            _ = try store.location()
        }

        func run() async throws {
            try await reportingErrors {
                let name = name!
                print(try await store.with { try await $0.addAuditor(name: name, now: Date()) }.text)
            }
        }
    }
}

extension Auditor {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the auditors: name, key id and status (the keys themselves are not stored).")
        @OptionGroup var store: StoreFlags
        @Flag(help: "Print JSON.")
        var json = false

        mutating func validate() throws {
            _ = try store.location()
        }

        func run() async throws {
            try await reportingErrors {
                struct Listed: Encodable {
                    let name: String
                    let keyId: String
                    let status: String
                    let createdAt: String
                    let revokedAt: String?
                }
                let listed = try await store.with { try await $0.auditorKeys() }.map { key in
                    Listed(
                        name: key.auditor, keyId: "\(APIKey.Role.auditor.prefix)_\(key.id)", status: key.revokedAt == nil ? "active" : "revoked",
                        createdAt: RFC3339.string(from: key.createdAt), revokedAt: key.revokedAt.map(RFC3339.string(from:))
                    )
                }
                if json { return try printJSON(listed) }
                if listed.isEmpty { return print("no auditors") }
                for auditor in listed {
                    printEscaped("\(auditor.name)  \(auditor.keyId)  \(auditor.status)  issued \(auditor.createdAt)" + (auditor.revokedAt.map { "  revoked \($0)" } ?? ""))
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke an auditor's key, by the auditor's name or the key's id (sak_<id>, or the whole key); running brokers refuse it within a second."
        )
        @OptionGroup var store: StoreFlags
        @Argument(help: "The auditor's name, or its key id.")
        var auditor: String

        mutating func validate() throws {
            _ = try store.location()
        }

        func run() async throws {
            try await reportingErrors {
                // A name, or a key id as `auditor list` shows it (sak_<id>) or bare, or the whole key,
                // which is never repeated: an error line must not carry a secret.
                let prefix = "\(APIKey.Role.auditor.prefix)_"
                let given = APIKey(parsing: auditor)?.keyID ?? (auditor.hasPrefix(prefix) ? String(auditor.dropFirst(prefix.count)) : auditor)
                let revoked = try await store.with { try await $0.revokeAuditor(given, now: Date()) }
                guard let revoked else { throw CLIError("no auditor with a live key is called \(given) or has it as key id") }
                printEscaped("revoked the key of auditor \(revoked)")
            }
        }
    }
}
