import ArgumentParser
import Foundation
import TransparencyLog

/// How the audit commands reach the log and which key they trust for it.
struct AuditConnection: ParsableArguments {
    @Option(help: "The broker's URL, e.g. http://127.0.0.1:8080.")
    var server: String?
    @Option(help: "Your auditor key from `samtykke auditor add` (or SAMTYKKE_AUDITOR_KEY).")
    var auditorKey: String?
    @Option(help: """
        The log's verifier key, or a file holding it. Default: the key the broker publishes at \
        /v1/audit/log-key (audit verify pins it on first use).
        """)
    var logKey: String?
    @Flag(help: "Print JSON instead of text.")
    var json = false

    /// The server URL without a trailing slash, so one broker always maps to one state file.
    func serverURL() throws -> String {
        let url = try Env.require("server", server)
        return url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    /// A client for the auditor-only endpoints.
    func auditorClient() throws -> BrokerClient {
        BrokerClient(server: try serverURL(), credential: try Env.require("auditor-key", auditorKey))
    }

    /// A client for the public endpoints, which need no key.
    func publicClient() throws -> BrokerClient {
        BrokerClient(server: try serverURL(), credential: nil)
    }

    /// The key given with --log-key, else the one the broker publishes; `fromBroker` says which.
    func verifierKey() async throws -> (key: String, fromBroker: Bool) {
        if let given = Env.value("log-key", logKey) { return (try AuditLogKey.resolve(given), false) }
        return (try await AuditLogKey.published(by: try publicClient()), true)
    }

    /// The broker's newest checkpoint, opened with `key`.
    func signedCheckpoint(key: String) async throws -> (checkpoint: TransparencyLog.Checkpoint, note: String) {
        let note = try await AuditLogSource(client: try publicClient()).signedCheckpoint()
        do {
            return (try TransparencyLog.Checkpoint.open(note, verifier: NoteVerifier(verifierKey: key)), note)
        } catch {
            throw CLIError("the broker's checkpoint does not verify with the log key: \(error)")
        }
    }
}
