import ArgumentParser
import BrokerClient
import Foundation
import SamtykkeAPI
import SamtykkeCore

/// The citizen's side, over the broker's HTTP API with an ID token.
struct ConsentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consent",
        abstract: "See and answer the consent requests that name you.",
        subcommands: [List.self, Show.self, Grant.self, Deny.self, Revoke.self, Log.self]
    )

    struct Connection: ParsableArguments {
        @Option(help: "The broker's URL, e.g. http://127.0.0.1:8080.")
        var server: HTTPURL?
        @Option(help: "Your ID token (or SAMTYKKE_ID_TOKEN).")
        var idToken: String?
        @Flag(help: "Print JSON instead of text.")
        var json = false

        mutating func validate() throws {
            try Env.require(&server, "server")
            try Env.require(&idToken, "id-token")
        }

        var client: BrokerClient {
            BrokerClient(server: server!.description, credential: idToken!)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the consents that name you, newest first.")
        @OptionGroup var connection: Connection

        func run() async throws {
            try await reportingErrors {
                let body = try await connection.client.send("GET", "/v1/me/consents")
                if connection.json { return printRaw(body) }
                let page = try BrokerClient.decode(body, as: ConsentList.self)
                if page.consents.isEmpty { print("no consents name you") }
                for consent in page.consents { print(consent.line) }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one consent.")
        @Argument(help: "The consent id.") var id: String
        @OptionGroup var connection: Connection

        func run() async throws {
            try await reportingErrors {
                let body = try await connection.client.send("GET", "/v1/me/consents/\(try pathSegment(id))")
                if connection.json { return printRaw(body) }
                let consent = try BrokerClient.decode(body, as: ConsentView.self)
                print(consent.text)
            }
        }
    }

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Grant a pending request: the bank may then fetch the data it names.")
        @Argument(help: "The consent id.") var id: String
        @OptionGroup var connection: Connection
        func run() async throws { try await answer("grant", id, connection, done: "granted") }
    }

    struct Deny: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deny a pending request.")
        @Argument(help: "The consent id.") var id: String
        @OptionGroup var connection: Connection
        func run() async throws { try await answer("deny", id, connection, done: "denied") }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an active consent: the bank gets nothing more.")
        @Argument(help: "The consent id.") var id: String
        @OptionGroup var connection: Connection
        func run() async throws { try await answer("revoke", id, connection, done: "revoked") }
    }

    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every log entry about you: who asked, who decided, who received what.")
        @OptionGroup var connection: Connection

        func run() async throws {
            try await reportingErrors {
                var after: UInt64?
                var printed = 0
                repeat {
                    let body = try await connection.client.send("GET", "/v1/me/access-log" + (after.map { "?after=\($0)" } ?? ""))
                    if connection.json { printRaw(body) }
                    let page = try BrokerClient.decode(body, as: AccessLog.self)
                    if !connection.json {
                        for entry in page.entries { print("\(entry.time)  \(FreeText.escaped(entry.summary))  [#\(entry.index), consent \(entry.consentId)]") }
                    }
                    printed += page.entries.count
                    after = page.next
                } while after != nil
                if printed == 0, !connection.json { print("the log holds nothing about you") }
            }
        }
    }

    static func answer(_ action: String, _ id: String, _ connection: Connection, done: String) async throws {
        try await reportingErrors {
            let body = try await connection.client.send("POST", "/v1/me/consents/\(try pathSegment(id))/\(action)")
            if connection.json { return printRaw(body) }
            let consent = try BrokerClient.decode(body, as: ConsentView.self)
            print("\(done) consent \(consent.id) for bank \(consent.bankOrg) (status: \(consent.status))")
        }
    }
}

/// The broker's JSON as it came, one document per line for scripts.
func printRaw(_ body: [UInt8]) {
    print(String(decoding: body, as: UTF8.self))
}

/// An id as one URL path segment; anything that is not a plain id is refused here, not sent.
func pathSegment(_ id: String) throws -> String {
    guard !id.isEmpty, id.utf8.count <= 64, id.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x41 && $0 <= 0x5a) || $0 == 0x2d }) else {
        throw CLIError("\(id) is not a consent id")
    }
    return id
}
