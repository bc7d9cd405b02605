import ArgumentParser
import Foundation
import SamtykkeCore
import SamtykkeApp
import SamtykkeStore

/// Where the store is: `--data-dir` (SQLite) or `--database` (PostgreSQL). Opening it needs no key:
/// registering a party writes no log entry.
struct StoreFlags: ParsableArguments {
    @Option(help: "Directory for the SQLite database (SAMTYKKE_DATA_DIR).")
    var dataDir: String?
    @Option(help: "PostgreSQL instead of SQLite: postgres://USER[:PASS]@HOST:PORT/DB (SAMTYKKE_DATABASE).")
    var database: String?

    /// Runs `body` with the store open.
    func with<T: Sendable>(_ body: @Sendable (any Store) async throws -> T) async throws -> T {
        let location = try StoreLocation.fromFlags(dataDir: dataDir, database: database)
        return try await OpenedStore.with(location, logger: makeLogger("samtykke.store", level: .error), body)
    }
}

struct Bank: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Register banks and manage their API keys.",
        subcommands: [Add.self, AddKey.self, Keys.self, RevokeKey.self, WebhookCommand.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a bank; prints its API key, once, alone on one line.")
        @OptionGroup var store: StoreFlags
        @Option(help: "The bank's 9-digit organisation number.")
        var org: String?
        @Option(help: "The bank's name, as citizens will see it.")
        var name: String?

        func run() async throws {
            try await reportingErrors {
                let org = try OrgNumber(try Env.require("org", org))
                let name = try Env.require("name", name)
                print(try await store.with { try await $0.addBank(org: org, name: name, now: Date()) }.text)
            }
        }
    }

    struct AddKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add-key", abstract: "Issue another API key for a bank (to rotate keys).")
        @OptionGroup var store: StoreFlags
        @Option(help: "The bank's organisation number.")
        var org: String?

        func run() async throws {
            try await reportingErrors {
                let org = try OrgNumber(try Env.require("org", org))
                print(try await store.with { try await $0.addBankKey(org: org, now: Date()) }.text)
            }
        }
    }
}

extension Bank {
    struct Keys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a bank's live API key ids (the secrets are not stored).")
        @OptionGroup var store: StoreFlags
        @Option(help: "The bank's organisation number.")
        var org: String?
        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            try await reportingErrors {
                struct Key: Encodable {
                    let id: String
                    let createdAt: String
                }
                let org = try OrgNumber(try Env.require("org", org))
                let keys = try await store.with { try await $0.bankKeys(org: org) }
                    .map { Key(id: $0.id, createdAt: RFC3339.string(from: $0.createdAt)) }
                if json { return try printJSON(keys) }
                for key in keys { print("\(key.id)  issued \(key.createdAt)") }
            }
        }
    }

    struct RevokeKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke-key",
            abstract: "Revoke an API key at once, by its id (sbk_<id>.… — the id is the 16 hex digits)."
        )
        @OptionGroup var store: StoreFlags
        @Option(help: "The key id, or the whole key.")
        var key: String?

        func run() async throws {
            try await reportingErrors {
                let given = try Env.require("key", key)
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

        func run() async throws {
            try await reportingErrors {
                let name = try Env.require("name", name)
                print(try await store.with { try await $0.addAuditor(name: name, now: Date()) }.text)
            }
        }
    }
}
