import ArgumentParser
import Foundation
import SamtykkeCore
import SamtykkeStore

struct Bank: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Register banks and manage their API keys.",
        subcommands: [Add.self, AddKey.self, Keys.self, RevokeKey.self, WebhookCommand.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a bank; prints its API key, once, alone on one line.")
        @OptionGroup var bank: BankFlags
        @Option(help: "The bank's name, as citizens will see it.")
        var name: String?

        mutating func validate() throws {
            try Env.require(&name, "name")
        }

        func run() async throws {
            try await reportingErrors {
                let (org, name) = (bank.bank, name!)
                print(try await bank.store.with { try await $0.addBank(org: org, name: name, now: Date()) }.text)
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
            abstract: "Revoke an API key (running brokers refuse it within a second), by its id (sbk_<id>.… — the id is the 16 hex digits)."
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
                guard try await store.with({ try await $0.revokeKey(id: id, now: Date()) }) else { throw CLIError("no live key with id \(id)") }
                print("revoked key \(id)")
            }
        }
    }
}

struct Auditor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Register read-only auditors.", subcommands: [Add.self])

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
