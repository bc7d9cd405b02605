import ArgumentParser

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
}
