import ArgumentParser
import Crypto
import Foundation

/// The auditor's side (SPEC §6): read and verify the consent log over the broker's HTTP API.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read and verify the consent log as an auditor.",
        discussion: """
            The log is a transparency log: every entry is hashed into a Merkle tree whose root the broker \
            signs. `audit verify` recomputes that tree from every entry, checks the signature, and checks \
            the log only grew since the last run.
            """,
        subcommands: [Verify.self, Entries.self, Checkpoint.self, Prove.self]
    )

    /// ~/.samtykke/audit-state-<first 16 hex digits of SHA-256 of the server URL>.json: one file per
    /// log, so auditing two brokers never mixes their trusted checkpoints.
    static func defaultStatePath(server: String) -> String {
        let digest = SHA256.hash(data: Array(server.utf8)).prefix(8).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        // $HOME first, as Unix tools do, so a user (or a test) can move it; the account's home otherwise.
        let home = ProcessInfo.processInfo.environment["HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".samtykke/audit-state-\(digest).json").path
    }
}
