import Foundation
import ChildProcess
import TestSupport
import Testing

/// The three verifications of SPEC §4 as the real binary runs them against a real broker: anyone's
/// `audit verify` with no key, an auditor's with the openings, a citizen's `consent log --verify`.
/// Each passes on the honest log and fails on its own tampering of the broker's database.
@Suite(.heavy) struct VerificationCLITests {
    /// `audit verify` with no key at all: the public log only.
    static func publicVerify(_ broker: AuditedBroker, state: URL) async throws -> CommandResult {
        try await runCLI(["audit", "verify", "--server", broker.url, "--state", state.path])
    }

    static func citizenVerify(_ broker: AuditedBroker, state: URL, json: Bool = false) async throws -> CommandResult {
        let token = try await broker.run.idToken(try ConsentFlowTests.person)
        return try await runCLI(
            ["consent", "log", "--verify", "--server", broker.url, "--state", state.path] + (json ? ["--json"] : []),
            environment: ["SAMTYKKE_ID_TOKEN": token]
        )
    }

    static func expectOneLine(_ result: CommandResult, _ prefix: String, _ words: String) {
        #expect(result.status != 0)
        #expect(result.stderr.hasPrefix(prefix), "\(result.stderr)")
        #expect(result.stderr.contains(words), "\(result.stderr)")
        #expect(result.stderr.filter { $0 == "\n" }.count == 1, "one line: \(result.stderr)")
    }

    @Test func anyoneVerifiesThePublicLogAndFailsOnAChangedLeaf() async throws {
        try await AuditedBroker.with { broker in
            try await withTemporaryDirectory { dir in
                let state = dir.appendingPathComponent("public.json")
                let clean = try await Self.publicVerify(broker, state: state)
                #expect(clean.status == 0, "\(clean.stderr)")
                #expect(clean.stdout.contains("verified: 8 entries") && clean.stdout.contains("public rules hold for the 3 consents"), "\(clean.stdout)")

                _ = try TamperTests.Tamper.changedByte.apply(broker.tamperer)
                Self.expectOneLine(try await Self.publicVerify(broker, state: state), "samtykke: the log does not verify: ", "the 8 entries hash to")
            }
        }
    }

    @Test func anyoneFindsABundleAfterRevoke() async throws {
        try await AuditedBroker.with { broker in
            try await withTemporaryDirectory { dir in
                let person = try ConsentFlowTests.person
                let citizen = try await broker.run.citizen(person)
                let id = try await broker.run.createConsent(for: person)
                #expect(try await citizen.send("POST", "/v1/me/consents/\(id)/grant").status == 200)
                #expect(try await citizen.send("POST", "/v1/me/consents/\(id)/revoke").status == 200)
                let state = dir.appendingPathComponent("public.json")
                #expect(try await Self.publicVerify(broker, state: state).status == 0)

                // Someone with the database puts the revoked consent back, and the bank gets a bundle.
                try broker.tamperer.reactivate(id)
                let issued = try await broker.run.bank.send("POST", "/v1/consents/\(id)/bundles")
                #expect(issued.status == 201, "\(issued.text)")
                let index = try broker.tamperer.size() - 1
                Self.expectOneLine(
                    try await Self.publicVerify(broker, state: state), "samtykke: the log does not verify at index \(index): ", "revoked, not active"
                )
            }
        }
    }

    @Test func anAuditorOpensEveryEntryAndFailsOnADeletedOpening() async throws {
        try await AuditedBroker.with { broker in
            try await withTemporaryDirectory { dir in
                let state = dir.appendingPathComponent("state.json")
                let clean = try await broker.verify(state: state)
                #expect(clean.status == 0, "\(clean.stderr)")
                #expect(clean.stdout.contains("opened and checked 8 v2 entries"), "\(clean.stdout)")

                try broker.tamperer.deleteOpening(3)
                Self.expectOneLine(
                    try await broker.verify(state: state), "samtykke: the log does not verify at index 3: ", "has no opening any more"
                )
            }
        }
    }

    @Test func anAuditorFailsOnSubjectTagsOfAnotherKey() async throws {
        try await AuditedBroker.with { broker in
            try await withTemporaryDirectory { dir in
                try broker.tamperer.replaceSubjectKeys()
                Self.expectOneLine(
                    try await broker.verify(state: dir.appendingPathComponent("state.json")),
                    "samtykke: the log does not verify at index 0: ", "subject tag"
                )
            }
        }
    }

    @Test func aCitizenVerifiesTheirHistoryAndFailsOnADeletedOpening() async throws {
        try await AuditedBroker.with { broker in
            try await withTemporaryDirectory { dir in
                let state = dir.appendingPathComponent("citizen.json")
                let first = try await Self.citizenVerify(broker, state: state)
                #expect(first.status == 0, "\(first.stderr)")
                let lines = first.stdout.split(separator: "\n")
                #expect(lines.filter { $0.hasPrefix("verified  ") }.count == 8, "\(first.stdout)")
                #expect(lines.contains { $0.contains("you granted bank 986352325 consent") && $0.contains("[#1, consent ") }, "\(first.stdout)")
                #expect(lines.last == "verified: 8 entries about you in the signed log of 8 entries", "\(first.stdout)")
                #expect(first.stdout.contains("first run"))
                let mode = try FileManager.default.attributesOfItem(atPath: state.path)[.posixPermissions] as? Int
                #expect(mode == 0o600)

                // The second run starts from the checkpoint kept, and keeps the history.
                try await AuditedBroker.addActivity(broker.run)
                let second = try await Self.citizenVerify(broker, state: state, json: true)
                #expect(second.status == 0, "\(second.stderr)")
                let report = try #require(try JSONSerialization.jsonObject(with: second.output) as? [String: Any])
                #expect(report["trustedOnFirstUse"] as? Bool == false && (report["entries"] as? [Any])?.count == 16, "\(second.stdout)")

                try broker.tamperer.deleteOpening(9)
                Self.expectOneLine(
                    try await Self.citizenVerify(broker, state: dir.appendingPathComponent("fresh.json")),
                    "samtykke: your log does not verify at index 9: ", "the broker gives you no opening for it"
                )
            }
        }
    }

    /// The broker's access log leaves an entry out; the citizen's scan finds it anyway, by its tag.
    @Test func theScanNotTheAccessLogDecidesWhatIsAboutTheCitizen() async throws {
        try await AuditedBroker.with { broker in
            try await withTemporaryDirectory { dir in
                try broker.tamperer.moveOpening(4, to: "24859045681")
                let token = try await broker.run.idToken(try ConsentFlowTests.person)
                let told = try await runCLI(["consent", "log", "--server", broker.url], environment: ["SAMTYKKE_ID_TOKEN": token])
                #expect(told.status == 0 && !told.stdout.contains("[#4,") && told.stdout.contains("[#3,"), "\(told.stdout)")
                Self.expectOneLine(
                    try await Self.citizenVerify(broker, state: dir.appendingPathComponent("citizen.json")),
                    "samtykke: your log does not verify at index 4: ", "the broker gives you no opening for it"
                )
            }
        }
    }

    /// A broker that answers every request with the same document: what the CLI makes of a grant
    /// answer depends only on that answer.
    static func withCannedBroker(answering body: Data, in dir: URL, _ run: (String) async throws -> Void) async throws {
        let file = dir.appendingPathComponent("answer-\(UUID().uuidString).json")
        try body.write(to: file)
        let script = """
            import http.server, sys
            body = open(sys.argv[1], "rb").read()
            class Canned(http.server.BaseHTTPRequestHandler):
                def answer(self):
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                do_GET = do_POST = answer
                def log_message(self, *args): pass
            server = http.server.HTTPServer(("127.0.0.1", 0), Canned)
            print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
            server.serve_forever()
            """
        let server = ServerProcess(name: "canned broker", executable: try await TestPython.executable.path, arguments: ["-c", script, file.path])
        try server.start()
        try await withCleanup {
            try await run(try await server.waitUntilListening())
        } cleanup: {
            _ = await server.stop()
        }
    }

    /// SPEC §2: the CLI checks the receipt of a grant before it says "granted". The same answer with
    /// one hash of its inclusion proof changed makes it refuse, whatever the broker's status says.
    @Test func theCLIRefusesAGrantWhoseReceiptDoesNotVerify() async throws {
        try await ConsentFlowTests.withStack { run in
            try await withTemporaryDirectory { dir in
                let person = try ConsentFlowTests.person
                let id = try await run.createConsent(for: person)
                let granted = try await run.citizen(person).send("POST", "/v1/me/consents/\(id)/grant")
                #expect(granted.status == 200)
                var answer = try #require(try JSONSerialization.jsonObject(with: Data(granted.text.utf8)) as? [String: Any])
                let token = try await run.idToken(person)
                let grant = ["consent", "grant", id, "--yes", "--server"]

                try await Self.withCannedBroker(answering: Data(granted.text.utf8), in: dir) { url in
                    let honest = try await runCLI(grant + [url], environment: ["SAMTYKKE_ID_TOKEN": token])
                    #expect(honest.status == 0 && honest.stdout.hasPrefix("granted consent \(id)"), "\(honest.stdout) \(honest.stderr)")
                }

                var receipt = try #require(answer["auditReceipt"] as? [String: Any])
                var proof = try #require(receipt["inclusionProof"] as? [String])
                try #require(!proof.isEmpty)
                proof[0] = Data(repeating: 0, count: 32).base64EncodedString()
                receipt["inclusionProof"] = proof
                answer["auditReceipt"] = receipt
                try await Self.withCannedBroker(answering: try JSONSerialization.data(withJSONObject: answer), in: dir) { url in
                    let lied = try await runCLI(grant + [url], environment: ["SAMTYKKE_ID_TOKEN": token])
                    #expect(lied.status != 0 && lied.stdout.isEmpty, "\(lied.stdout)")
                    #expect(lied.stderr.contains("receipt does not show your answer on the log"), "\(lied.stderr)")
                }
            }
        }
    }
}
