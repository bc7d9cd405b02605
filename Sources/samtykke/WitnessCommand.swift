import ArgumentParser
import SamtykkeJOSE
import TransparencyLog

/// `samtykke witness` (SPEC §4, §7): a C2SP tlog-witness that cosigns the broker's checkpoints.
struct WitnessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness",
        abstract: "Run a witness that cosigns a log's checkpoints (C2SP tlog-witness).",
        discussion: """
            A witness checks that every checkpoint it is given extends the last one it cosigned for that log, \
            and cosigns it (C2SP tlog-cosignature, Ed25519). Brokers submit to it with --witness URL=VKEY, where \
            VKEY is what `samtykke witness key` prints.
            """,
        subcommands: [Serve.self, Key.self]
    )

    /// The witness's key and name, as both subcommands take them.
    struct Identity: ParsableArguments {
        @Option(help: "The witness's Ed25519 private key, PKCS#8 PEM (openssl genpkey -algorithm ed25519), mode 0600.")
        var key: String?
        @Option(help: "The witness's name, a schema-less URL such as witness.example/w1.")
        var name: String?

        mutating func validate() throws {
            try Env.require(&key, "key")
            try Env.require(&name, "name")
        }

        func signer() throws -> CosignatureSigner {
            try CosignatureSigner(name: name!, privateKey: KeyFiles.ed25519(key!))
        }
    }
}
