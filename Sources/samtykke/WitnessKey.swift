import ArgumentParser

extension WitnessCommand {
    struct Key: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the witness's verifier key, alone on one line.",
            discussion: "NAME+<key ID>+base64(0x04 || public key): what a broker's --witness URL=VKEY and `audit verify --witness-key` take."
        )

        @OptionGroup var identity: Identity

        func run() async throws {
            try await reportingErrors {
                print(try identity.signer().verifierKey)
            }
        }
    }
}
