import ArgumentParser
import BrokerClient
import CitizenClient
import LogVerification
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
        @Option(help: "The broker's URL, e.g. http://127.0.0.1:8080 (default: the one `samtykke login` logged in at).")
        var server: HTTPURL?
        @Option(help: "Your ID token (or SAMTYKKE_ID_TOKEN; default: the session of `samtykke login`).")
        var idToken: String?
        @Flag(help: "Print the broker's JSON instead of text.")
        var json = false
        @Flag(help: "With an error, also print what the broker said: its HTTP status and problem document.")
        var verbose = false

        mutating func validate() throws {
            try Env.fill(&server, "server")
            try Env.fill(&idToken, "id-token")
            try Env.fill(&verbose, "verbose")
        }

        /// The explicit server and token, else the session `samtykke login` kept.
        var broker: CitizenBroker {
            get throws {
                let kept = SessionFile(environment: ProcessInfo.processInfo.environment).load()
                let (server, credential) = try CitizenCredential.resolve(server: server?.description, idToken: idToken, kept: kept)
                return CitizenBroker(server: server, credential: credential)
            }
        }

        /// `speakingAsCitizen` with this command's --verbose.
        func speaking(_ body: (CitizenStrings) async throws -> Void) async throws {
            try await speakingAsCitizen(verbose: verbose, body)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the consents that name you, newest first.",
            discussion: """
                The table fits the terminal (COLUMNS, else the terminal's width, else 80 columns): long purposes are cut \
                with an ellipsis, and on a narrow terminal some columns are left out; `consent show` prints everything. \
                With --json, each page as the broker sent it, one JSON document a line.
                """
        )
        @Option(help: "Only consents in this status (\(ConsentStatus.allCases.map(\.rawValue).joined(separator: ", "))).")
        var status: ConsentStatus?
        @Option(help: "Show at most this many consents, the newest (\(ConsentPaging.defaultLimit) unless given; at most \(ConsentPaging.maximumLimit)).")
        var limit: Int?
        @OptionGroup var connection: Connection

        mutating func validate() throws {
            try Env.fill(&limit, "limit")
            let range = 1...ConsentPaging.maximumLimit
            guard range.contains(limit ?? ConsentPaging.defaultLimit) else {
                throw ValidationError("--limit must be between 1 and \(ConsentPaging.maximumLimit), not \(limit!)")
            }
        }

        func run() async throws {
            try await connection.speaking { strings in
                let found = try await connection.broker.consents(status: status, limit: limit ?? ConsentPaging.defaultLimit) { page in
                    if connection.json { printRaw(page) }
                }
                if connection.json { return }
                if found.consents.isEmpty {
                    print(strings.noConsents(status))
                } else {
                    let width = TerminalWidth.resolve(columns: ProcessInfo.processInfo.environment["COLUMNS"], terminal: TerminalWidth.ofTerminal(STDOUT_FILENO))
                    print(ConsentTable.text(found.consents, in: .current, strings: strings, width: width))
                }
                if found.more {
                    FileHandle.standardError.write(Data((strings.moreConsents(found.consents.count, ConsentPaging.maximumLimit) + "\n").utf8))
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one consent.")
        @Argument(help: "The consent id.", transform: ConsentID.argument) var id: ConsentID
        @OptionGroup var connection: Connection

        func run() async throws {
            try await connection.speaking { strings in
                let shown = try await connection.broker.consent(id.description)
                if connection.json { return printRaw(shown.body) }
                print(shown.view.text(in: .current, strings: strings))
            }
        }
    }

    /// `grant`, `deny` and `revoke`: one shape, three answers.
    struct Answer: ParsableArguments {
        @Argument(help: "The consent id.", transform: ConsentID.argument) var id: ConsentID
        @Flag(help: "Answer without asking, even on a terminal.")
        var yes = false
        @OptionGroup var connection: Connection

        /// On a terminal (unless --yes), shows the consent and sends the answer only after a yes; the
        /// question goes to stderr, so stdout stays the answer's (and --json's) alone.
        func send(_ action: CitizenAction) async throws {
            try await connection.speaking { strings in
                let broker = try connection.broker
                if !yes, isatty(STDIN_FILENO) == 1 {
                    let consent = try await broker.consent(id.description).view
                    if let conflict = CitizenError.conflict(action, consent) { throw conflict }
                    let question = consent.question(action, in: .current, strings: strings) + "\n" + strings.confirm(action)
                    FileHandle.standardError.write(Data(question.utf8))
                    guard let reply = readLine(), strings.yes.contains(reply.trimmingCharacters(in: .whitespaces).lowercased()) else {
                        throw CitizenError(.declined(action))
                    }
                }
                let answered = try await broker.answer(action, id.description)
                if connection.json { return printRaw(answered.body) }
                print(answered.view.done(action, in: .current, strings: strings))
            }
        }
    }

    static let askingDiscussion = """
        On a terminal, shows what the consent gives whom and asks first; --yes answers without asking. Without a \
        terminal (a script), it answers without asking.
        """

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Grant a pending request: the bank may then fetch the data it names.", discussion: askingDiscussion
        )
        @OptionGroup var answer: Answer
        func run() async throws { try await answer.send(.grant) }
    }

    struct Deny: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deny a pending request.", discussion: askingDiscussion)
        @OptionGroup var answer: Answer
        func run() async throws { try await answer.send(.deny) }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke an active consent: the bank gets nothing more.", discussion: askingDiscussion
        )
        @OptionGroup var answer: Answer
        func run() async throws { try await answer.send(.revoke) }
    }

    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every log entry about you: who asked, who decided, who received what.",
            discussion: """
                Without --verify, the broker's own account (its access log). With --verify, your own check, trusting the \
                broker for nothing: it fetches the cosigned checkpoint, reads every public entry since the one verified last \
                (the first run reads them all and trusts the log key on first use), picks out those tagged with your subject \
                key, opens each with your openings, proves all of them in the signed tree, and prints them marked verified. \
                It fails naming the index for an entry about you that cannot be opened or does not match, and for a log that \
                forked or went back. The state file (mode 0600) keeps the checkpoint and your history between runs.
                """
        )
        @Flag(help: "Verify the log yourself instead of asking the broker.")
        var verify = false
        @Option(help: "With --verify: the state file kept between runs (default ~/.samtykke/citizen-log-<hash of server and key>.json); once the broker has forgotten your consents, name it to see how your history ended.")
        var state: String?
        @OptionGroup var witnesses: WitnessKeys
        @OptionGroup var connection: Connection

        mutating func validate() throws {
            try Env.fill(&state, "state")
        }

        /// What --json prints with --verify, success or not.
        struct Report: Encodable {
            let verified: Bool
            var size: UInt64? = nil
            var rootHash: String? = nil
            var trustedOnFirstUse: Bool? = nil
            var entries: [CitizenLogEntry]? = nil
            var firstBadIndex: UInt64? = nil
            var failure: String? = nil
            let stateFile: String?
        }

        func run() async throws {
            if verify { return try await verifyLog() }
            try await connection.speaking { strings in
                var after: UInt64?
                var printed = 0
                repeat {
                    let (page, body) = try await connection.broker.accessLog(after: after)
                    if connection.json { printRaw(body) }
                    if !connection.json {
                        for entry in page.entries {
                            print(strings.logEntry(LocalTime.text(entry.time, in: .current), FreeText.escaped(entry.summary), entry.index, entry.consentId))
                        }
                    }
                    printed += page.entries.count
                    after = page.next
                } while after != nil
                if printed == 0, !connection.json { print(strings.logEmpty) }
            }
        }

        private func verifyLog() async throws {
            try await connection.speaking { strings in
                let broker = try connection.broker
                let server = broker.client.server
                let publicLog = AuditLogSource(client: BrokerClient(server: server, credential: nil))
                let verifier = CitizenLogVerifier(source: publicLog, openings: broker)
                let key = try await verifier.subjectKey()
                // Without a key from the broker (it forgot all of this citizen's consents), only a
                // state the citizen names holds one: its default place is named by the key.
                let path = state ?? key.map { CitizenLogState.defaultPath(server: server, subjectKey: $0.description) }
                let trusted = try path.flatMap { path throws(AuditStateError) in try CitizenLogState.load(from: path) }
                let logKey = try await publicLog.publishedLogKey()
                switch try await verifier.verify(server: server, logKey: logKey, subjectKey: key, state: trusted, witnessKeys: witnesses.keys) {
                case .failed(let failure):
                    if connection.json {
                        try printJSON(Report(verified: false, firstBadIndex: failure.firstBadIndex, failure: failure.description, stateFile: path))
                    }
                    let at = failure.firstBadIndex.map { " at index \($0)" } ?? ""
                    throw CLIError("your log does not verify\(at): \(failure)")
                case .verified(let verified):
                    if let path, let next = verified.state { try next.save(to: path, after: trusted) }
                    if connection.json {
                        // The history is the whole of it, every run: written by hand, not by JSONEncoder.
                        return try printJSON(Report(
                            verified: true, size: verified.checkpoint.size, rootHash: verified.checkpoint.rootHash.base64,
                            trustedOnFirstUse: verified.trusted == nil, stateFile: path
                        ), first: "entries", json: CitizenLogEntry.json(verified.history))
                    }
                    for line in CitizenHistory.lines(verified, strings: strings, in: .current) { printEscaped(line) }
                    if key == nil, trusted == nil { printEscaped(strings.verify.noKey) }
                }
            }
        }
    }
}

/// Runs a citizen command's body in the citizen's language (LC_ALL, LC_MESSAGES, LANG): a failure is
/// one sentence on stderr, with the broker's own words only under --verbose.
func speakingAsCitizen(verbose: Bool, _ body: (CitizenStrings) async throws -> Void) async throws {
    let strings = Language.from(environment: ProcessInfo.processInfo.environment).strings
    try await reportingErrors {
        do {
            try await body(strings)
        } catch let error as CitizenError {
            throw CLIError(error.sentence(strings, in: .current, now: Date(), verbose: verbose))
        }
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
