import ChildProcess
import CitizenClient
import Foundation
import TestSupport
import SamtykkeCore
import Testing

/// The CLI a citizen reads: a list with a header and the bank's name, a grant that says what it gives
/// whom and asks first on a terminal, local times, and usage errors that name the subcommand.
@Suite(.heavy) struct CitizenCLITests {
    /// Runs the CLI on a pseudo-terminal, as a person at a terminal would, and answers `answer` to the
    /// first `[y/N]` (or bokmål's `[j/N]`) question (nil: expects none, and ends the input if one
    /// comes). What the terminal showed comes back as stdout; a CLI still running after a minute is killed.
    static func onTerminal(_ arguments: [String], answer: String?, environment: [String: String]) async throws -> CommandResult {
        let driver = """
            import os, pty, select, sys, time
            answer, argv = sys.argv[1], sys.argv[2:]
            pid, fd = pty.fork()
            if pid == 0:
                os.execv(argv[0], argv)
            out, sent, deadline = b"", False, time.time() + 60
            while time.time() < deadline:
                ready, _, _ = select.select([fd], [], [], 0.2)
                if not ready:
                    continue
                try:
                    data = os.read(fd, 4096)
                except OSError:
                    break
                if not data:
                    break
                out += data
                if not sent and b"/N] " in out:
                    # "-" expected no question: end the input, as Ctrl-D would.
                    os.write(fd, b"\\x04" if answer == "-" else (answer + "\\n").encode())
                    sent = True
            else:
                os.kill(pid, 9)
            _, status = os.waitpid(pid, 0)
            sys.stdout.buffer.write(out)
            sys.exit(os.waitstatus_to_exitcode(status))
            """
        return try await Command.run(
            "python3", ["-c", driver, answer ?? "-", Package.binary.path] + arguments, cwd: Package.root.path,
            environment: plainTerminal.merging(environment) { $1 }
        )
    }

    @Test func onATerminalAGrantSaysWhoGetsWhatAndWaitsForYes() async throws {
        try await ConsentFlowTests.withStack { run in
            let person = try ConsentFlowTests.person
            let id = try await run.createConsent(for: person, maxUses: 2)
            let token = try await run.idToken(person)
            let arguments = ["consent", "grant", id, "--server", run.stack.brokerURL]
            let environment = ["SAMTYKKE_ID_TOKEN": token]
            let status = { try await run.bank.send("GET", "/v1/consents/\(id)").json["status"] as? String }

            let declined = try await Self.onTerminal(arguments, answer: "n", environment: environment)
            #expect(declined.status != 0, "\(declined.stdout)")
            #expect(declined.stdout.contains("Test Sparebank (986352325) asks to fetch your "), "\(declined.stdout)")
            #expect(declined.stdout.contains("at most 2 times until") && declined.stdout.contains("nothing was granted"), "\(declined.stdout)")
            #expect(try await status() == "pending")

            let accepted = try await Self.onTerminal(arguments, answer: "y", environment: environment)
            #expect(accepted.status == 0 && accepted.stdout.contains("granted consent \(id): Test Sparebank (986352325)"), "\(accepted.stdout)")
            #expect(try await status() == "active")
        }
    }

    @Test func yesGrantsOnATerminalWithoutAsking() async throws {
        try await ConsentFlowTests.withStack { run in
            let person = try ConsentFlowTests.person
            let id = try await run.createConsent(for: person)
            let granted = try await Self.onTerminal(
                ["consent", "grant", id, "--yes", "--server", run.stack.brokerURL], answer: nil, environment: ["SAMTYKKE_ID_TOKEN": try await run.idToken(person)]
            )
            #expect(granted.status == 0 && !granted.stdout.contains("[y/N]"), "\(granted.stdout)")
            #expect(try await run.bank.send("GET", "/v1/consents/\(id)").json["status"] as? String == "active")
        }
    }

    @Test func theListHasAHeaderTheBanksNameLocalTimesAndAStatusFilter() async throws {
        try await ConsentFlowTests.withStack { run in
            let person = try ConsentFlowTests.person
            let pending = try await run.createConsent(for: person)
            let active = try await run.createConsent(for: person)
            // Wide enough for every column whole (80 columns cut the bank and leave out the rest).
            let environment = ["SAMTYKKE_ID_TOKEN": try await run.idToken(person), "TZ": "Asia/Kolkata", "COLUMNS": "200"]
            #expect(try await runCLI(["consent", "grant", active, "--server", run.stack.brokerURL], environment: environment).status == 0)

            let listed = try await runCLI(["consent", "list", "--server", run.stack.brokerURL], environment: environment)
            let lines = listed.stdout.split(separator: "\n")
            #expect(listed.status == 0 && lines.count == 3, "\(listed)")
            #expect(lines.first?.hasPrefix("CONSENT") == true && lines.first?.contains("VALID UNTIL") == true, "\(listed.stdout)")
            #expect(lines.dropFirst().allSatisfy { $0.contains("Test Sparebank (986352325)") && $0.contains("+05:30") }, "\(listed.stdout)")

            let filtered = try await runCLI(["consent", "list", "--status", "active", "--server", run.stack.brokerURL], environment: environment)
            #expect(filtered.stdout.contains(active) && !filtered.stdout.contains(pending), "\(filtered.stdout)")
            let none = try await runCLI(["consent", "list", "--status", "revoked", "--server", run.stack.brokerURL], environment: environment)
            #expect(none.stdout == "no revoked consents name you\n", "\(none.stdout)")

            // --json is the broker's own document, in UTC.
            let json = try await runCLI(["consent", "list", "--json", "--server", run.stack.brokerURL], environment: environment)
            #expect(json.stdout.contains("\"next\":null") && json.stdout.contains("Z\"") && !json.stdout.contains("+05:30"), "\(json.stdout)")
        }
    }

    @Test func aBadArgumentIsRefusedWithTheSubcommandsUsage() async throws {
        for (arguments, usage) in [
            (["consent", "grant", "not-an-id", "--server", "http://127.0.0.1:9", "--id-token", "t"], "Usage: samtykke consent grant"),
            (["consent", "list", "--status", "happy", "--server", "http://127.0.0.1:9", "--id-token", "t"], "Usage: samtykke consent list"),
            (["bundle", "verify", "x.json", "--jwks", "ftp://x", "--log-key", "k"], "Usage: samtykke bundle verify"),
            (["audit", "entries", "--server", "http://127.0.0.1:9", "--auditor-key", "k", "--bank-org", "123"], "Usage: samtykke audit entries"),
        ] {
            let refused = try await runCLI(arguments)
            #expect(refused.status == 64, "\(arguments): \(refused)")
            #expect(refused.stderr.contains(usage), "\(arguments): \(refused.stderr)")
            #expect(!refused.stderr.contains("SUBCOMMANDS"), "\(arguments): \(refused.stderr)")
        }
        // Keys fetched over plain http prove nothing about who signed the bundle.
        let plain = try await runCLI(["bundle", "verify", "x.json", "--jwks", "http://127.0.0.1:9/.well-known/jwks.json", "--log-key", "k"])
        #expect(plain.status == 64 && plain.stderr.contains("--jwks must be an https URL or a file, not http://127.0.0.1:9/"), "\(plain)")
    }

    @Test func theListStopsAtItsLimitAndFitsTheTerminal() async throws {
        try await ConsentFlowTests.withStack { run in
            let person = try ConsentFlowTests.person
            var ids: [String] = []
            for _ in 0..<4 { ids.append(try await run.createConsent(for: person)) }
            let environment = ["SAMTYKKE_ID_TOKEN": try await run.idToken(person)]
            let list = ["consent", "list", "--server", run.stack.brokerURL]

            // One page of three, asked for as three: the broker's pages are read only as far as needed.
            let json = try await runCLI(list + ["--limit", "3", "--json"], environment: environment)
            let pages = json.stdout.split(separator: "\n")
            #expect(json.status == 0 && pages.count == 1, "\(json)")
            let page = try JSONSerialization.jsonObject(with: Data(pages[0].utf8)) as? [String: Any]
            #expect((page?["consents"] as? [Any])?.count == 3 && page?["next"] is String, "\(json.stdout)")

            let limited = try await runCLI(list + ["--limit", "3"], environment: environment.merging(["COLUMNS": "100"]) { $1 })
            let lines = limited.stdout.split(separator: "\n")
            #expect(limited.status == 0 && lines.count == 4, "\(limited)")
            #expect(lines.allSatisfy { $0.count <= 100 } && lines.dropFirst().allSatisfy { $0.hasSuffix("Refinancing…") }, "\(limited.stdout)")
            #expect(!limited.stdout.contains(ids[0]) && limited.stdout.contains(ids[3]), "newest first: \(limited.stdout)")
            #expect(limited.stderr.contains("showing the newest 3; more consents name you"), "\(limited.stderr)")

            // Unknown width (a pipe, no COLUMNS): 80 columns.
            let piped = try await runCLI(list, environment: environment)
            #expect(piped.status == 0 && piped.stdout.split(separator: "\n").count == 5 && piped.stderr.isEmpty, "\(piped)")
            #expect(piped.stdout.split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(piped.stdout)")

            for refused in ["0", "1001"] {
                let bad = try await runCLI(list + ["--limit", refused], environment: environment)
                #expect(bad.status == 64 && bad.stderr.contains("--limit must be between 1 and 1000"), "\(bad)")
            }
        }
    }

    @Test func theCommandsSpeakTheCitizensLanguage() async throws {
        try await ConsentFlowTests.withStack { run in
            let person = try ConsentFlowTests.person
            let id = try await run.createConsent(for: person)
            let token = try await run.idToken(person)
            let bokmål = ["SAMTYKKE_ID_TOKEN": token, "LANG": "nb_NO.UTF-8", "COLUMNS": "200"]

            let listed = try await runCLI(["consent", "list", "--server", run.stack.brokerURL], environment: bokmål)
            #expect(listed.stdout.hasPrefix("SAMTYKKE") && listed.stdout.contains("GYLDIG TIL") && listed.stdout.contains("FORMÅL"), "\(listed)")
            #expect(listed.stdout.contains("  venter  ") && listed.stdout.contains("gjeld, inntekt for 2023, 2024"), "\(listed.stdout)")
            let shown = try await runCLI(["consent", "show", id, "--server", run.stack.brokerURL], environment: bokmål)
            #expect(shown.stdout.contains("gyldig til ") && shown.stdout.contains("brukt      0 av 2"), "\(shown.stdout)")
            let none = try await runCLI(["consent", "list", "--status", "revoked", "--server", run.stack.brokerURL], environment: bokmål)
            #expect(none.stdout == "ingen samtykker med status «tilbakekalt» gjelder deg\n", "\(none.stdout)")
            let revoking = try await runCLI(["consent", "revoke", id, "--server", run.stack.brokerURL], environment: bokmål)
            #expect(revoking.status == 1 && revoking.stderr.hasPrefix("samtykke: Denne forespørselen er ikke godtatt"), "\(revoking)")
            let denied = try await runCLI(["consent", "deny", id, "--server", run.stack.brokerURL], environment: bokmål)
            #expect(denied.stdout.hasPrefix("avslo forespørsel \(id): Test Sparebank (986352325), gjeld, inntekt"), "\(denied)")

            // LC_ALL wins over LANG, and --json is the broker's document whatever the language.
            let english = try await runCLI(["consent", "show", id, "--server", run.stack.brokerURL], environment: bokmål.merging(["LC_ALL": "en_GB.UTF-8"]) { $1 })
            #expect(english.stdout.contains("status      denied"), "\(english.stdout)")
            let json = try await runCLI(["consent", "show", id, "--json", "--server", run.stack.brokerURL], environment: bokmål)
            #expect(json.stdout.contains(#""status":"denied""#) && json.stdout.contains(#""scopes":["debt","income"]"#), "\(json.stdout)")
        }
    }

    @Test func errorsArePlainSentencesAndTheHTTPDetailsComeWithVerbose() async throws {
        try await ConsentFlowTests.withStack { run in
            let person = try ConsentFlowTests.person
            let id = try await run.createConsent(for: person)
            let token = try await run.idToken(person)
            let environment = ["SAMTYKKE_ID_TOKEN": token, "TZ": "Europe/Oslo"]
            let revoke = ["consent", "revoke", id, "--server", run.stack.brokerURL]
            #expect(try await runCLI(["consent", "grant", id, "--server", run.stack.brokerURL], environment: environment).status == 0)
            #expect(try await runCLI(revoke, environment: environment).status == 0)

            let shown = try await run.citizen(person).send("GET", "/v1/me/consents/\(id)")
            let changed = try #require((shown.json["statusChangedAt"] as? String).flatMap(RFC3339.date(from:)))
            let day = LocalTime.day(changed, in: TimeZone(identifier: "Europe/Oslo")!, strings: .english, now: Date())
            let again = try await runCLI(revoke, environment: environment)
            #expect(again.status == 1 && again.stderr == "samtykke: This consent was revoked on \(day); nothing more can be fetched with it.\n", "\(again)")
            let verbose = try await runCLI(revoke + ["--verbose"], environment: environment)
            #expect(verbose.stderr.hasPrefix("samtykke: This consent was revoked on \(day); ") && verbose.stderr.contains("[HTTP 409 "), "\(verbose)")
            #expect(verbose.stderr.split(separator: "\n").count == 1)

            let unknown = try await runCLI(["consent", "show", "0193a4c2-7b1e-7c3d-9e4f-5a6b7c8d9e0f", "--server", run.stack.brokerURL], environment: environment)
            #expect(unknown.status == 1 && unknown.stderr == "samtykke: The consent was not found.\n", "\(unknown)")

            let stale = try await run.idToken(person, at: Date().addingTimeInterval(-7200))
            let expired = try await runCLI(["consent", "list", "--server", run.stack.brokerURL, "--id-token", stale])
            #expect(expired.stderr == "samtykke: Your login has expired. Get a new ID token (--id-token or SAMTYKKE_ID_TOKEN) and try again.\n", "\(expired)")
            let forged = try await runCLI(["consent", "list", "--server", run.stack.brokerURL, "--id-token", "not-a-token"])
            #expect(forged.stderr.hasPrefix("samtykke: Your ID token was not accepted.") && !forged.stderr.contains("401"), "\(forged)")
            let forgedVerbose = try await runCLI(["consent", "list", "--server", run.stack.brokerURL, "--id-token", "not-a-token", "--verbose"])
            #expect(forgedVerbose.stderr.contains("[HTTP 401 Authentication required: the ID token is malformed]"), "\(forgedVerbose)")
        }
    }

    @Test func onATerminalDenyAndRevokeAskFirst() async throws {
        try await ConsentFlowTests.withStack { run in
            let person = try ConsentFlowTests.person
            let environment = ["SAMTYKKE_ID_TOKEN": try await run.idToken(person)]
            let status = { (id: String) in try await run.bank.send("GET", "/v1/consents/\(id)").json["status"] as? String }

            let pending = try await run.createConsent(for: person)
            let deny = ["consent", "deny", pending, "--server", run.stack.brokerURL]
            let kept = try await Self.onTerminal(deny, answer: "n", environment: environment)
            #expect(kept.status != 0 && kept.stdout.contains("Test Sparebank (986352325) asks to fetch your debt, income for 2023, 2024"), "\(kept.stdout)")
            #expect(kept.stdout.contains("Deny it? [y/N]") && kept.stdout.contains("the request still waits for your answer"), "\(kept.stdout)")
            #expect(try await status(pending) == "pending")
            let denied = try await Self.onTerminal(deny, answer: "y", environment: environment)
            #expect(denied.status == 0 && denied.stdout.contains("denied consent \(pending)"), "\(denied.stdout)")
            #expect(try await status(pending) == "denied")

            let active = try await run.createConsent(for: person)
            #expect(try await Self.onTerminal(["consent", "grant", active, "--yes", "--server", run.stack.brokerURL], answer: nil, environment: environment).status == 0)
            let revoke = ["consent", "revoke", active, "--server", run.stack.brokerURL]
            let ja = try await Self.onTerminal(revoke, answer: "nei", environment: environment.merging(["LANG": "nb_NO.UTF-8"]) { $1 })
            #expect(ja.status != 0 && ja.stdout.contains("Tilbakekalle samtykket? [j/N]") && ja.stdout.contains("2 ganger til"), "\(ja.stdout)")
            #expect(try await status(active) == "active")
            let revoked = try await Self.onTerminal(revoke, answer: "j", environment: environment.merging(["LANG": "nb_NO.UTF-8"]) { $1 })
            #expect(revoked.status == 0 && revoked.stdout.contains("tilbakekalte samtykke \(active)"), "\(revoked.stdout)")
            #expect(try await status(active) == "revoked")

            // A question that cannot be answered is not asked: deny on a consent already ended says so at once.
            let late = try await Self.onTerminal(deny, answer: nil, environment: environment)
            #expect(late.status != 0 && !late.stdout.contains("[y/N]") && late.stdout.contains("This request was denied on "), "\(late.stdout)")
        }
    }

    @Test func shellCompletionsAreGenerated() async throws {
        // bash completes the names; zsh and fish show each option's help beside it.
        for (shell, consentListOption) in [("bash", "--verbose"), ("zsh", "Show at most this many consents"), ("fish", "Show at most this many consents")] {
            let script = try await runCLI(["--generate-completion-script", shell])
            #expect(script.status == 0 && script.stdout.contains("samtykke") && script.stdout.contains(consentListOption), "\(shell): \(script.stderr)")
        }
    }
}
