import ArgumentParser
import Foundation
import SamtykkeCore
import SamtykkeStorage

/// Opens the database for registration commands without needing any signing key but the log's:
/// registering a party writes no log entry, but opening the database migrates it, which is harmless.
struct DataDirFlags: ParsableArguments {
    @Option(help: "The broker's data directory.")
    var dataDir: String?
    @Option(help: "A dev PKI (for the log signing key), or name it with --log-signing-key.")
    var pki: String?
    @Option(help: "Ed25519 log key, mode 0600.")
    var logSigningKey: String?

    func open() throws -> SamtykkeDatabase {
        try BrokerSettings(dataDir: dataDir, pki: pki, logSigningKey: logSigningKey).openDatabase()
    }
}

struct Bank: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Register banks and manage their API keys.",
        subcommands: [Add.self, AddKey.self, Keys.self, RevokeKey.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a bank; prints its API key, once, alone on one line.")
        @OptionGroup var data: DataDirFlags
        @Option(help: "The bank's 9-digit organisation number.")
        var org: String?
        @Option(help: "The bank's name, as citizens will see it.")
        var name: String?

        func run() async throws {
            try await reportingErrors {
                let org = try OrgNumber(try Env.require("org", org))
                let key = try data.open().addBank(org: org, name: try Env.require("name", name), now: Date())
                print(key.text)
            }
        }
    }

    struct AddKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add-key", abstract: "Issue another API key for a bank (to rotate keys).")
        @OptionGroup var data: DataDirFlags
        @Option(help: "The bank's organisation number.")
        var org: String?

        func run() async throws {
            try await reportingErrors {
                let key = try data.open().addBankKey(org: try OrgNumber(try Env.require("org", org)), now: Date())
                print(key.text)
            }
        }
    }
}

extension Bank {
    struct Keys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a bank's live API key ids (the secrets are not stored).")
        @OptionGroup var data: DataDirFlags
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
                let keys = try data.open().bankKeys(org: try OrgNumber(try Env.require("org", org)))
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
        @OptionGroup var data: DataDirFlags
        @Option(help: "The key id, or the whole key.")
        var key: String?

        func run() async throws {
            try await reportingErrors {
                let given = try Env.require("key", key)
                let id = APIKey(parsing: given)?.keyID ?? given
                guard try data.open().revokeKey(id: id, now: Date()) else { throw CLIError("no live key with id \(id)") }
                print("revoked key \(id)")
            }
        }
    }
}

struct Auditor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Register read-only auditors.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register an auditor; prints its key, once, alone on one line.")
        @OptionGroup var data: DataDirFlags
        @Option(help: "The auditor's name.")
        var name: String?

        func run() async throws {
            try await reportingErrors {
                let key = try data.open().addAuditor(name: try Env.require("name", name), now: Date())
                print(key.text)
            }
        }
    }
}
