import ChildProcess
import Foundation
import ProcessHarness
import Testing

/// The CLI a citizen reads: a list with a header and the bank's name, a grant that says what it gives
/// whom and asks first on a terminal, local times, and usage errors that name the subcommand.
@Suite struct CitizenCLITests {
    /// Runs the CLI on a pseudo-terminal, as a person at a terminal would, and answers `answer` to the
    /// first `[y/N]` question (nil: expects none, and ends the input if one comes). What the terminal
    /// showed comes back as stdout; a CLI still running after a minute is killed.
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
                if not sent and b"[y/N]" in out:
                    # "-" expected no question: end the input, as Ctrl-D would.
                    os.write(fd, b"\\x04" if answer == "-" else (answer + "\\n").encode())
                    sent = True
            else:
                os.kill(pid, 9)
            _, status = os.waitpid(pid, 0)
            sys.stdout.buffer.write(out)
            sys.exit(os.waitstatus_to_exitcode(status))
            """
        return try await Command.run("python3", ["-c", driver, answer ?? "-", Package.binary.path] + arguments, cwd: Package.root.path, environment: environment)
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
            let environment = ["SAMTYKKE_ID_TOKEN": try await run.idToken(person), "TZ": "Asia/Kolkata"]
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
    }
}
