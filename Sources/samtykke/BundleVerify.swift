import ArgumentParser
import BrokerClient
import Foundation
import SamtykkeAPI
import SamtykkeApp
import SamtykkeCore
import SamtykkeJOSE

/// The bank's side after the fact (SPEC §3, §6): check a bundle and its audit receipt offline.
struct BundleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Check bundles received from the broker.",
        subcommands: [Verify.self]
    )

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a bundle and its audit receipt: the signature, and that the bundle is on the signed log.",
            discussion: """
                FILE is the broker's answer to POST /v1/consents/{id}/bundles: {"bundle": ..., "auditReceipt": ...}. \
                Checks the JWS (ES256, typ samtykke-bundle+jwt, kid in the JWKS), then the receipt: the checkpoint is \
                signed by the log key, the entry is a bundle.issued entry for this bundle's SHA-256, consent, person and \
                bank, and the inclusion proof places it in the checkpoint's tree. With --witness-key, the checkpoint \
                must also carry a valid cosignature of each witness named (a receipt the broker handed out again, \
                under the same Idempotency-Key, once witnesses cosigned its checkpoint). Offline, except fetching \
                --jwks when it is a URL.
                """
        )

        @Argument(help: "The JSON file holding {bundle, auditReceipt}.")
        var file: String
        @Option(help: "The broker's JWKS: an https URL (.../.well-known/jwks.json) or a file.", transform: JWKSSource.bundleKeys)
        var jwks: JWKSSource?
        @Option(help: "The log's verifier key (from /v1/audit/log-key), or a file holding it.")
        var logKey: String?
        @Option(help: "The bank's own organisation number: refuse a bundle issued to any other (its aud).", transform: OrgNumber.argument)
        var expectOrg: OrgNumber?
        @Option(help: "The broker's issuer: refuse a bundle another broker issued (its iss).")
        var expectIssuer: String?
        @OptionGroup var witnesses: WitnessKeys
        @Flag(help: "Print JSON instead of text.")
        var json = false

        struct Report: Encodable {
            let verified: Bool
            let bundleId: String
            let kid: String
            let issuer: String
            let bankOrg: String
            let consentId: String
            let personId: String
            let logIndex: UInt64
            let treeSize: UInt64
            let rootHash: String
            let logOrigin: String
            /// The names of the witnesses whose cosignatures were required and found.
            let cosignedBy: [String]
        }

        mutating func validate() throws {
            try Env.require(&jwks, "jwks", JWKSSource.bundleKeys)
            try Env.require(&logKey, "log-key")
            logKey = try logKey.map(LogVerifierKey.argument)
            try Env.fill(&expectOrg, "expect-org", OrgNumber.argument)
            try Env.fill(&expectIssuer, "expect-issuer")
        }

        func run() async throws {
            try await reportingErrors {
                let issued: BundleAnswer
                do {
                    issued = try JSONDecoder().decode(BundleAnswer.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
                } catch DecodingError.keyNotFound(let key, let context) {
                    let path = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
                    throw CLIError("\(file) is not a bundle answer {bundle, auditReceipt}: it has no \(path)")
                } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
                    let path = context.codingPath.map(\.stringValue).joined(separator: ".")
                    throw CLIError("\(file) is not a bundle answer {bundle, auditReceipt}: \(path) has the wrong type")
                } catch {
                    throw CLIError("cannot read \(file) as JSON: \(error.localizedDescription)")
                }
                let (jwks, logKey) = (jwks!, logKey!)
                let keys = try await JWSVerifier(jwksJSON: try await jwks.loader()(), allowedAlgorithms: ["ES256"])
                let verified: BundleCheck.Verified
                do {
                    verified = try await BundleCheck.verify(
                        issued, keys: keys, keySource: jwks.description, logKey: logKey, witnesses: try witnesses.verifiers(), bank: expectOrg?.digits,
                        issuer: expectIssuer
                    )
                } catch let error as BundleCheckError {
                    // The expectation came from a flag: the line names it.
                    switch error {
                    case .issuedTo: throw CLIError("\(error) (--expect-org)")
                    case .issuedBy: throw CLIError("\(error) (--expect-issuer)")
                    default: throw error
                    }
                }
                let (claims, receipt, checkpoint) = (verified.claims, issued.auditReceipt, verified.receipt.checkpoint)
                if json {
                    return try printJSON(Report(
                        verified: true, bundleId: claims.jti, kid: verified.kid, issuer: claims.iss, bankOrg: claims.aud, consentId: claims.consent.id,
                        personId: claims.consent.personId, logIndex: receipt.index, treeSize: checkpoint.size,
                        rootHash: checkpoint.rootHash.base64, logOrigin: checkpoint.origin, cosignedBy: verified.receipt.cosignatures.map(\.keyName)
                    ))
                }
                printEscaped("bundle \(claims.jti) verified")
                printEscaped("signature: ES256 by key \(verified.kid) in \(jwks.description), typ \(BundleClaims.typ)")
                printEscaped("issued:    by \(claims.iss) to bank \(claims.aud) on \(RFC3339.string(from: Date(timeIntervalSince1970: TimeInterval(claims.iat))))")
                printEscaped("consent:   \(claims.consent.id) of person \(claims.consent.personId): \(claims.consent.scopes.map(\.rawValue).joined(separator: ", ")) for \(claims.consent.years.map(String.init).joined(separator: ", "))")
                printEscaped("log:       entry \(receipt.index) (bundle.issued, SHA-256 of this bundle) is in the tree of \(checkpoint.size) entries of \(checkpoint.origin), signed by the log key")
                print("root hash: \(checkpoint.rootHash.base64)")
                for cosignature in verified.receipt.cosignatures {
                    print(WitnessKeys.line(for: cosignature))
                }
            }
        }
    }
}
