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
        discussion: "Times are shown in your local time zone (TZ); --json prints the broker's own documents, in UTC.",
        subcommands: [List.self, Show.self, Grant.self, Deny.self, Revoke.self, Log.self]
    )

    struct Connection: ParsableArguments {
        @Option(help: "The broker's URL, e.g. http://127.0.0.1:8080.")
        var server: HTTPURL?
        @Option(help: "Your ID token (or SAMTYKKE_ID_TOKEN).")
        var idToken: String?
        @Flag(help: "Print the broker's JSON instead of text.")
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
        static let configuration = CommandConfiguration(
            abstract: "List the consents that name you, newest first.",
            discussion: "With --json, each page as the broker sent it, one JSON document a line."
        )
        @Option(help: "Only consents in this status (\(ConsentStatus.allCases.map(\.rawValue).joined(separator: ", "))).")
        var status: ConsentStatus?
        @OptionGroup var connection: Connection

        func run() async throws {
            try await reportingErrors {
                var consents: [ConsentView] = []
                var after: String?
                repeat {
                    let query = [status.map { "status=\($0.rawValue)" }, after.map { "after=\($0)" }].compactMap { $0 }.joined(separator: "&")
                    let body = try await connection.client.send("GET", "/v1/me/consents" + (query.isEmpty ? "" : "?" + query))
                    if connection.json { printRaw(body) }
                    let page = try BrokerClient.decode(body, as: ConsentPage.self)
                    consents += page.consents
                    after = page.next
                } while after != nil
                if connection.json { return }
                if consents.isEmpty {
                    print(status.map { "no \($0.rawValue) consents name you" } ?? "no consents name you")
                } else {
                    print(ConsentTable.text(consents, in: .current))
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one consent.")
        @Argument(help: "The consent id.", transform: ConsentID.argument) var id: ConsentID
        @OptionGroup var connection: Connection

        func run() async throws {
            try await reportingErrors {
                let body = try await connection.client.send("GET", "/v1/me/consents/\(id)")
                if connection.json { return printRaw(body) }
                print(try BrokerClient.decode(body, as: ConsentView.self).text(in: .current))
            }
        }
    }

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Grant a pending request: the bank may then fetch the data it names.",
            discussion: """
                On a terminal, shows what the bank will be able to fetch and asks before granting; --yes grants \
                without asking. Without a terminal (a script), it grants without asking.
                """
        )
        @Argument(help: "The consent id.", transform: ConsentID.argument) var id: ConsentID
        @Flag(help: "Grant without asking, even on a terminal.")
        var yes = false
        @OptionGroup var connection: Connection

        func run() async throws {
            try await reportingErrors {
                if !yes, isatty(STDIN_FILENO) == 1 {
                    let consent = try await connection.client.get("/v1/me/consents/\(id)", as: ConsentView.self)
                    guard consent.status == .pending else { throw CLIError("consent \(id) is \(consent.status.rawValue): only a pending request can be granted") }
                    guard Self.confirm(consent.grantQuestion(in: .current) + "\nGrant it? [y/N] ") else {
                        throw CLIError("nothing was granted: you did not answer yes")
                    }
                }
                try await answer("grant", id, connection, done: "granted")
            }
        }

        /// The question on stderr, so stdout stays the answer's (and --json's) alone.
        static func confirm(_ question: String) -> Bool {
            FileHandle.standardError.write(Data(question.utf8))
            guard let reply = readLine() else { return false }
            return ["y", "yes"].contains(reply.trimmingCharacters(in: .whitespaces).lowercased())
        }
    }

    struct Deny: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deny a pending request.")
        @Argument(help: "The consent id.", transform: ConsentID.argument) var id: ConsentID
        @OptionGroup var connection: Connection
        func run() async throws { try await reportingErrors { try await answer("deny", id, connection, done: "denied") } }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an active consent: the bank gets nothing more.")
        @Argument(help: "The consent id.", transform: ConsentID.argument) var id: ConsentID
        @OptionGroup var connection: Connection
        func run() async throws { try await reportingErrors { try await answer("revoke", id, connection, done: "revoked") } }
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
                        for entry in page.entries {
                            print("\(LocalTime.text(entry.time, in: .current))  \(FreeText.escaped(entry.summary))  [#\(entry.index), consent \(entry.consentId)]")
                        }
                    }
                    printed += page.entries.count
                    after = page.next
                } while after != nil
                if printed == 0, !connection.json { print("the log holds nothing about you") }
            }
        }
    }

    static func answer(_ action: String, _ id: ConsentID, _ connection: Connection, done: String) async throws {
        let body = try await connection.client.send("POST", "/v1/me/consents/\(id)/\(action)")
        if connection.json { return printRaw(body) }
        let consent = try BrokerClient.decode(body, as: ConsentView.self)
        print("\(done) consent \(consent.id): \(consent.bank), \(consent.data), until \(LocalTime.text(consent.validUntil, in: .current)) (status: \(consent.status.rawValue))")
    }
}

/// The broker's JSON as it came, one document per line for scripts.
func printRaw(_ body: [UInt8]) {
    print(String(decoding: body, as: UTF8.self))
}

extension ConsentID {
    /// A consent id argument's `transform`: anything else is refused while parsing, with the
    /// subcommand's usage, and never sent.
    static func argument(_ text: String) throws -> ConsentID {
        do { return try ConsentID(text) } catch { throw ValidationError("\(text) is not a consent id (a UUID)") }
    }
}

extension ConsentStatus: ExpressibleByArgument {}
