import ArgumentParser
import CurlHTTP
import Foundation
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
        @Option(help: "The broker's JWKS: a URL (.../.well-known/jwks.json) or a file.")
        var jwks: String?
        @Option(help: "The log's verifier key (from /v1/audit/log-key), or a file holding it.")
        var logKey: String?
        @Option(help: "The bank's own organisation number: refuse a bundle issued to any other (its aud).")
        var expectOrg: String?
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
                let jwksSource = try Env.require("jwks", jwks)
                let verifier = try await JWSVerifier(jwksJSON: try await Self.load(jwks: jwksSource), allowedAlgorithms: ["ES256"])
                let claims: BundleClaims
                do {
                    claims = try await verifier.verify(issued.bundle, as: BundleClaims.self, typ: BundleClaims.typ)
                } catch {
                    throw CLIError("the bundle's signature does not verify against \(jwksSource): \(error)")
                }
                // A valid signature says the broker issued the bundle, not that it is this bank's.
                if let org = Env.value("expect-org", expectOrg), claims.aud != org {
                    throw CLIError("the bundle is issued to bank \(claims.aud), not to \(org) (--expect-org)")
                }
                if let issuer = Env.value("expect-issuer", expectIssuer), claims.iss != issuer {
                    throw CLIError("the bundle is issued by \(claims.iss), not by \(issuer) (--expect-issuer)")
                }
                let kid = try JWSVerifier.header(of: issued.bundle).kid ?? "?"

                let receipt = issued.auditReceipt
                let (entry, checkpoint, cosignatures) = try ReceiptCheck.verify(
                    bundle: issued.bundle, index: receipt.index, entry: receipt.entry, treeSize: receipt.treeSize,
                    proof: receipt.inclusionProof, checkpoint: receipt.checkpoint, logKey: try AuditLogKey.resolve(try Env.require("log-key", logKey)),
                    witnesses: try witnesses.verifiers()
                )
                // The digest already binds entry and bundle; these say so in the bundle's own terms.
                let mismatches = [
                    ("consent", entry.consentId.description, claims.consent.id),
                    ("person", entry.personId.digits, claims.consent.personId),
                    ("bank", entry.bankOrg.digits, claims.aud),
                    ("bundle id", { if case .bundleIssued(let issue) = entry.event { issue.bundleID } else { "none" } }(), claims.jti),
                ].filter { $0.1 != $0.2 }
                if let (what, logged, claimed) = mismatches.first {
                    throw CLIError("the log entry names \(what) \(logged), the bundle \(claimed)")
                }

                if json {
                    return try printJSON(Report(
                        verified: true, bundleId: claims.jti, kid: kid, issuer: claims.iss, bankOrg: claims.aud, consentId: claims.consent.id,
                        personId: claims.consent.personId, logIndex: receipt.index, treeSize: checkpoint.size,
                        rootHash: checkpoint.rootHash.base64, logOrigin: checkpoint.origin, cosignedBy: cosignatures.map(\.keyName)
                    ))
                }
                print("bundle \(claims.jti) verified")
                print("signature: ES256 by key \(kid) in \(jwksSource), typ \(BundleClaims.typ)")
                print("issued:    by \(claims.iss) to bank \(claims.aud) on \(RFC3339.string(from: Date(timeIntervalSince1970: TimeInterval(claims.iat))))")
                print("consent:   \(claims.consent.id) of person \(claims.consent.personId): \(claims.consent.scopes.map(\.rawValue).joined(separator: ", ")) for \(claims.consent.years.map(String.init).joined(separator: ", "))")
                print("log:       entry \(receipt.index) (bundle.issued, SHA-256 of this bundle) is in the tree of \(checkpoint.size) entries of \(checkpoint.origin), signed by the log key")
                print("root hash: \(checkpoint.rootHash.base64)")
                for cosignature in cosignatures {
                    print(WitnessKeys.line(for: cosignature))
                }
            }
        }

        /// The JWKS document from a URL (http or https) or a file.
        static func load(jwks source: String) async throws -> String {
            guard source.hasPrefix("http://") || source.hasPrefix("https://") else {
                return try KeyFiles.read(source)
            }
            let client = CurlClient(configuration: CurlClientConfiguration(
                connectTimeout: .seconds(5), totalTimeout: .seconds(30), tls: nil,
                maxConcurrentRequests: 1, allowedProtocols: .httpAndHTTPS, userAgent: "samtykke-cli"
            ))
            let response: CurlResponse
            do {
                response = try await client.execute(CurlRequest(method: "GET", url: source, headers: [], body: nil))
            } catch {
                throw CLIError("cannot fetch the JWKS from \(source): \(error)")
            }
            guard response.status == 200 else { throw CLIError("fetching the JWKS from \(source) answered \(response.status)") }
            return String(decoding: response.body, as: UTF8.self)
        }
    }
}
