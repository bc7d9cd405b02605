import CurlHTTP
import Foundation
import MockTaxAgency
import ChildProcess
import TestSupport
import SamtykkeApp
import SamtykkeCore
import SamtykkeServer
import SamtykkeStore
import Testing

/// `serve --retention`: past the period after a consent ended, the bank is told it was forgotten
/// (410); its entries' openings are shredded, so the citizen is no longer linked to it (404, and
/// their access log leaves it out), while the log keeps every leaf, gains a public
/// `consent.forgotten` for its tag and still verifies; at no time is any of the tax data it carried
/// at rest in the database.
@Suite(.heavy, .serialized) struct RetentionTests {
    static let retention: TimeInterval = 30 * 86_400

    @Test func pastTheRetentionPeriodTheConsentIsForgottenAndItsHistoryRemains() async throws {
        try await ConsentFlowTests.withStack(customize: { $0.limits.retention = Self.retention }) { run in
            let person = try fixturePeople()[0]
            let citizen = try await run.citizen(person.personId.digits)
            let auditorKey = try await run.stack.broker.store.addAuditor(name: "Finanstilsynet", now: Date()).text
            let otherKey = try await run.stack.broker.store.addBank(org: try OrgNumber("974760673"), name: "Other Bank", now: Date())
            let otherBank = Caller(server: run.stack.brokerURL, credential: otherKey.text)

            // Used up by one bundle, fetched under an Idempotency-Key, so its sealed copy is kept for a retry.
            let id = try await run.createConsent(for: person.personId.digits, maxUses: 1)
            #expect(try await citizen.send("POST", "/v1/me/consents/\(id)/grant").status == 200)
            let issued = try await run.bank.send("POST", "/v1/consents/\(id)/bundles", headers: [CurlHeader(name: "Idempotency-Key", value: "bundle-1")])
            #expect(issued.status == 201, "\(issued.text)")
            let bundle = try #require(issued.json["bundle"] as? String)
            #expect(try await run.bank.send("GET", "/v1/consents/\(id)").json["status"] as? String == "exhausted")
            let scan = try TaxDataScan(person: person, bundles: [bundle])
            #expect(scan.findings(in: Array(try TaxDataScan.payload(of: bundle))).count > 0, "the scan finds nothing even in the bundle itself")
            let whileKept = try await scan.findings(in: run.atRest())
            #expect(whileKept.isEmpty, "tax data at rest while the bundle's sealed copy is kept: \(whileKept)")

            try await withTemporaryDirectory { dir in
                let state = dir.appendingPathComponent("audit-state.json")
                func verify() async throws -> CommandResult {
                    try await runCLI(["audit", "verify", "--state", state.path, "--server", run.stack.brokerURL], environment: ["SAMTYKKE_AUDITOR_KEY": auditorKey])
                }
                let first = try await verify()
                #expect(first.status == 0, "\(first.stderr)")

                // A day short of the period another consent ends; then the period of the first runs out.
                run.clock.advance(by: Self.retention - 86_400)
                let recent = try await run.createConsent(for: person.personId.digits)
                let lateCitizen = try await run.citizen(person.personId.digits, at: run.clock.now())
                #expect(try await lateCitizen.send("POST", "/v1/me/consents/\(recent)/deny").status == 200)
                run.clock.advance(by: 86_400 + 60)

                let gone = try await Self.onceForgotten(id, run: run)
                // The bank is told what is left: how and when it ended, nothing about the person.
                #expect(gone.status == 410, "\(gone.text)")
                #expect(gone.header("Content-Type") == "application/problem+json")
                #expect(gone.json["type"] as? String == Problem.typeBase + "consent-forgotten")
                let remains = try #require(gone.json["consent"] as? [String: Any])
                #expect(remains["id"] as? String == id && remains["status"] as? String == "exhausted" && remains["bankOrg"] as? String == "986352325")
                #expect(Set(remains.keys) == ["id", "bankOrg", "status", "createdAt", "endedAt", "forgottenAt"])
                #expect(!gone.text.contains(person.personId.digits) && !gone.text.contains("Refinancing"))
                let size = try await run.stack.broker.store.logHead().size
                #expect(try await run.bank.send("POST", "/v1/consents/\(id)/bundles").status == 410)
                #expect(try await run.bank.send("DELETE", "/v1/consents/\(id)").status == 410)
                #expect(try await run.stack.broker.store.logHead().size == size, "acting on a forgotten consent logged something")
                #expect(try await otherBank.send("GET", "/v1/consents/\(id)").status == 404)

                // Not listed, not in the feed; what ended later, and its events, are still there.
                let listed = try #require(try await run.bank.send("GET", "/v1/consents").json["consents"] as? [[String: Any]])
                #expect(listed.compactMap { $0["id"] as? String } == [recent])
                let events = try #require(try await run.bank.send("GET", "/v1/events").json["events"] as? [[String: Any]])
                #expect(Set(events.compactMap { ($0["data"] as? [String: Any])?["consentId"] as? String }) == [recent])

                // Crypto-shredded: nothing links the citizen to it any more, so to them it does not
                // exist; their other consent's history is still there.
                let citizenNow = try await run.citizen(person.personId.digits, at: run.clock.now())
                #expect(try await citizenNow.send("GET", "/v1/me/consents/\(id)").status == 404)
                #expect(try await citizenNow.send("POST", "/v1/me/consents/\(id)/revoke").status == 404)
                let log = try #require(try await citizenNow.send("GET", "/v1/me/access-log").json["entries"] as? [[String: Any]])
                #expect(Set(log.compactMap { $0["consentId"] as? String }) == [recent])
                // The public log says it was forgotten: one consent.forgotten, after its last entry, by the system.
                let forgottenEntries = try await run.stack.broker.store.logEntries(LogQuery(start: size - 1, limit: 10))
                    .compactMap { row -> PublicEntry? in if case .v2(let entry) = try LogLeaf(leafBytes: row.leaf) { entry } else { nil } }
                    .filter { $0.type == .consentForgotten }
                #expect(forgottenEntries.count == 1)

                // The log was never touched: it verifies, and only grew since the first run.
                let second = try await verify()
                #expect(second.status == 0, "\(second.stderr)")
                #expect(second.stdout.contains("the log only grew"), "\(second.stdout)")
                // It says what was shredded: the forgotten consent's four entries; and there are no v1 entries to warn of.
                #expect(second.stdout.contains("(1 of them forgotten)\n4 entries of forgotten consents have no opening any more"), "\(second.stdout)")
                #expect(!second.stdout.contains("v1 entries"), "\(second.stdout)")
            }
            let afterwards = try await scan.findings(in: run.atRest())
            #expect(afterwards.isEmpty, "tax data at rest after the retention period: \(afterwards)")
        }
    }
}

extension RetentionTests {
    /// The bank's answer for `id` once the expiry service has forgotten it (410), or the last one
    /// after ten seconds of asking.
    static func onceForgotten(_ id: String, run: ConsentFlowTests.Running) async throws -> Answer {
        var answer = try await run.bank.send("GET", "/v1/consents/\(id)")
        for _ in 0..<100 where answer.status != 410 {
            try await Task.sleep(for: .milliseconds(100))
            answer = try await run.bank.send("GET", "/v1/consents/\(id)")
        }
        return answer
    }

    /// A citizen whose only consent was forgotten is no one to the broker (its subject key gone,
    /// 404), yet their own verification, from the state of their earlier run, still finds the
    /// `consent.forgotten` entry and shows their history as erased, not as nothing.
    @Test func aCitizenTheBrokerForgotStillSeesTheirHistoryEnd() async throws {
        try await ConsentFlowTests.withStack(customize: { $0.limits.retention = Self.retention }) { run in
            let person = try fixturePeople()[1].personId.digits
            let id = try await run.createConsent(for: person)
            #expect(try await run.citizen(person).send("POST", "/v1/me/consents/\(id)/deny").status == 200)
            try await withTemporaryDirectory { home in
                func verify(state: Bool = true) async throws -> CommandResult {
                    let token = try await run.idToken(person, at: run.clock.now())
                    return try await runCLI(
                        ["consent", "log", "--verify", "--server", run.stack.brokerURL] + (state ? ["--state", home.appendingPathComponent("mine.json").path] : []),
                        environment: ["SAMTYKKE_ID_TOKEN": token, "HOME": home.path]
                    )
                }
                let first = try await verify()
                #expect(first.status == 0 && first.stdout.contains("[#") && !first.stdout.contains("erased by"), "\(first.stdout)\(first.stderr)")

                run.clock.advance(by: Self.retention + 60)
                let gone = try await Self.onceForgotten(id, run: run)
                #expect(gone.status == 410, "\(gone.text)")
                #expect(try await run.citizen(person, at: run.clock.now()).send("GET", "/v1/me/subject-key").status == 404)

                let second = try await verify()
                #expect(second.status == 0, "\(second.stderr)")
                let erased = second.stdout.split(separator: "\n").filter { $0.contains("erased by #") }
                // Its two entries and the consent.forgotten one itself.
                #expect(erased.count == 3, "\(second.stdout)")
                // Without the state nothing is about them, and the run says where their history is.
                let stateless = try await verify(state: false)
                #expect(stateless.status == 0 && !stateless.stdout.contains("erased by"), "\(stateless.stdout)\(stateless.stderr)")
                #expect(stateless.stdout.contains("the broker holds no key for you") && stateless.stdout.contains("--state"), "\(stateless.stdout)")
            }
        }
    }
}

extension ConsentFlowTests.Running {
    /// Everything the broker's database holds at rest: the SQLite files (main, WAL, shared memory)
    /// byte for byte, or a data dump of the PostgreSQL database (bytea columns in hex).
    func atRest() async throws -> [UInt8] {
        switch try #require(store) {
        case .sqlite(let directory):
            let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            #expect(files.contains { $0.hasSuffix(".sqlite") }, "\(files)")
            return try files.flatMap { Array(try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent($0))) }
        case .postgres(let url):
            let dump = try await Command.run("pg_dump", ["--data-only", "--no-owner", url])
            #expect(dump.status == 0, "\(dump.stderr)")
            #expect(dump.stdout.contains("COPY public.consent"), "pg_dump printed no data")
            return Array(dump.stdout.utf8)
        }
    }
}

/// Looks for a person's tax figures in bytes, in every form the product ever gives them: the figure
/// itself as a number (not part of a longer run of letters or digits), `"field":figure` as JSON
/// encodes it, in base64 and base64url at each of the three alignments, the bundles' JWS payloads, and
/// each of those again as hex (how `pg_dump` writes bytea).
struct TaxDataScan {
    /// Figures of five digits or more: shorter ones (0, a year) occur in any database by chance.
    let figures: [String]
    let literals: [String]

    init(person: FixturePerson, bundles: [String]) throws {
        var figures: Set<String> = []
        var fragments: Set<String> = []
        for year in person.years.values {
            let scopes = try #require(try JSONSerialization.jsonObject(with: try JSONEncoder().encode(year)) as? [String: Any])
            for case let figuresOfScope as [String: Any] in scopes.values {
                for (field, figure) in figuresOfScope {
                    guard let value = figure as? Int, abs(value) >= 10_000 else { continue }
                    figures.insert(String(value))
                    fragments.insert("\"\(field)\":\(value)")
                }
            }
        }
        self.figures = figures.sorted()
        let encoded = fragments.flatMap(Self.base64Forms)
        let payloads = bundles.compactMap { $0.split(separator: ".").dropFirst().first.map(String.init) }
        self.literals = Set(fragments.sorted() + encoded + payloads).sorted()
    }

    /// The JSON a bundle's payload segment decodes to.
    static func payload(of bundle: String) throws -> Data {
        var segment = String(try #require(bundle.split(separator: ".").dropFirst().first))
            .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        segment += String(repeating: "=", count: (4 - segment.count % 4) % 4)
        return try #require(Data(base64Encoded: segment))
    }

    /// `text` inside any base64 text: encoded after 0, 1 and 2 bytes of something else, keeping only
    /// the characters that do not depend on what came before or after; in both alphabets.
    static func base64Forms(_ text: String) -> [String] {
        (0..<3).flatMap { shift -> [String] in
            let encoded = (Data(repeating: 0, count: shift) + Data(text.utf8)).base64EncodedString()
            let start = shift == 0 ? 0 : (shift == 1 ? 2 : 3)
            let end = ((shift + text.utf8.count) / 3) * 4
            guard end - start >= 8 else { return [] }
            let stable = String(Array(encoded)[start..<end])
            return [stable, stable.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")]
        }
    }

    /// What was found, as "form: needle"; empty when nothing was.
    func findings(in bytes: [UInt8]) -> [String] {
        let data = Data(bytes)
        func hex(_ text: String) -> String { text.utf8.map { String(format: "%02x", $0) }.joined() }
        func isWordByte(_ index: Int) -> Bool {
            guard data.indices.contains(index) else { return false }
            let byte = data[index]
            return (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
        }
        func occurs(_ needle: String, bounded: Bool) -> Bool {
            let pattern = Data(needle.utf8)
            var from = data.startIndex
            while let found = data.range(of: pattern, in: from..<data.endIndex) {
                if !bounded || (!isWordByte(found.lowerBound - 1) && !isWordByte(found.upperBound)) { return true }
                from = found.lowerBound + 1
            }
            return false
        }
        return figures.filter { occurs($0, bounded: true) }.map { "figure: \($0)" }
            + literals.filter { occurs($0, bounded: false) }.map { "text: \($0)" }
            + (figures + literals).filter { occurs(hex($0), bounded: false) }.map { "hex: \($0)" }
    }
}
