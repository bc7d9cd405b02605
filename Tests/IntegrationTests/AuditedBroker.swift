import Foundation
import ChildProcess
import TestSupport
import Testing

/// A running broker with a log worth auditing, an auditor key, and its database file at hand.
struct AuditedBroker: Sendable {
    let run: ConsentFlowTests.Running
    let auditorKey: String
    let work: URL
    /// The bundle answers ({bundle, auditReceipt}) the bank received, as JSON text.
    let bundles: [String]

    var url: String { run.stack.brokerURL }
    var tamperer: LogTamperer { LogTamperer(stack: work) }

    /// Entries one `addActivity()` writes.
    static let entriesPerActivity = 8

    /// The tamper tests edit the database file behind the broker's back, so this broker keeps SQLite.
    static func with(_ body: @Sendable (AuditedBroker) async throws -> Void) async throws {
        try await ConsentFlowTests.withStack(backend: .sqlite) { run in
            let key = try await run.stack.broker.store.addAuditor(name: "Finanstilsynet", now: Date())
            let work = run.stack.paths.directory.deletingLastPathComponent()
            let bundles = try await addActivity(run)
            try await body(AuditedBroker(run: run, auditorKey: key.text, work: work, bundles: bundles))
        }
    }

    /// A bank's day, eight entries: a consent requested (0), granted (1), used by two bundles (2, 3)
    /// and so exhausted (4); another requested (5) and denied (6); a third requested (7) and left pending.
    @discardableResult
    static func addActivity(_ run: ConsentFlowTests.Running) async throws -> [String] {
        let person = try ConsentFlowTests.person
        let citizen = try await run.citizen(person)
        let used = try await run.createConsent(for: person, maxUses: 2)
        #expect(try await citizen.send("POST", "/v1/me/consents/\(used)/grant").status == 200)
        var bundles: [String] = []
        for _ in 0..<2 {
            let issued = try await run.bank.send("POST", "/v1/consents/\(used)/bundles")
            #expect(issued.status == 201, "\(issued.text)")
            bundles.append(issued.text)
        }
        let denied = try await run.createConsent(for: person)
        #expect(try await citizen.send("POST", "/v1/me/consents/\(denied)/deny").status == 200)
        _ = try await run.createConsent(for: person)
        return bundles
    }

    /// `samtykke audit <arguments> --server URL` with the auditor key in the environment.
    func audit(_ arguments: [String]) async throws -> CommandResult {
        try await runCLI(["audit"] + arguments + ["--server", url], environment: ["SAMTYKKE_AUDITOR_KEY": auditorKey])
    }

    func verify(state: URL) async throws -> CommandResult {
        try await audit(["verify", "--state", state.path])
    }

    /// The log key as the broker publishes it.
    func logKey() async throws -> String {
        try await Caller(server: url, credential: nil).send("GET", "/v1/audit/log-key").text
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
