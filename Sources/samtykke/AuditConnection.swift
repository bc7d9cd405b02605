import ArgumentParser
import BrokerClient
import Foundation
import TransparencyLog

/// How the audit commands reach the log and which key they trust for it.
struct AuditConnection: ParsableArguments {
    @Option(help: "The broker's URL, e.g. http://127.0.0.1:8080.")
    var server: HTTPURL?
    @Option(help: "Your auditor key from `samtykke auditor add` (or SAMTYKKE_AUDITOR_KEY).")
    var auditorKey: String?
    @Option(help: """
        The log's verifier key, or a file holding it. Default: the key the broker publishes at \
        /v1/audit/log-key (audit verify pins it on first use).
        """)
    var logKey: String?
    @Flag(help: "Print JSON instead of text.")
    var json = false

    /// The auditor key is left to the commands that send it.
    mutating func validate() throws {
        try Env.require(&server, "server")
        try Env.fill(&auditorKey, "auditor-key")
        try Env.fill(&logKey, "log-key")
        logKey = try logKey.map(LogVerifierKey.argument)
    }

    /// The server URL without a trailing slash, so one broker always maps to one state file.
    var serverURL: String { server!.description }

    /// The log through the auditor-only endpoints; the command's `validate()` required the key.
    var auditorLog: AuditLogSource {
        AuditLogSource(client: BrokerClient(server: serverURL, credential: auditorKey!))
    }

    /// The log through the public endpoints, which need no key.
    var publicLog: AuditLogSource {
        AuditLogSource(client: BrokerClient(server: serverURL, credential: nil))
    }

    /// The key given with --log-key (read in `validate()`), else the one the broker publishes;
    /// `fromBroker` says which.
    func verifierKey() async throws -> (key: String, fromBroker: Bool) {
        if let logKey { return (logKey, false) }
        return (try await publicLog.publishedLogKey(), true)
    }
}
