import ArgumentParser
import BrokerClient
import Foundation
import LogVerification
import TransparencyLog

extension AuditCommand {
    struct Prove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch and check an inclusion proof (--index) or a consistency proof (--from) against the signed checkpoint.",
            discussion: """
                --index N [--tree-size M]: entry N is in the tree of M entries (default: the signed size). \
                --from A [--to B]: the tree of A entries is a prefix of the tree of B (default: the signed size). \
                A tree smaller than the signed one is tied to it with a further consistency proof.
                """
        )

        @OptionGroup var connection: AuditConnection
        @Option(help: "The entry to prove included.")
        var index: UInt64?
        @Option(help: "The tree to prove it in (default: the signed checkpoint's size).")
        var treeSize: UInt64?
        @Option(help: "The smaller tree of a consistency proof.")
        var from: UInt64?
        @Option(help: "The larger tree of a consistency proof (default: the signed checkpoint's size).")
        var to: UInt64?

        func validate() throws {
            try Env.present(connection.auditorKey, "auditor-key")
            guard (index == nil) != (from == nil) else { throw ValidationError("give either --index (inclusion) or --from (consistency)") }
            if index != nil, to != nil { throw ValidationError("--to goes with --from; use --tree-size with --index") }
            if from != nil, treeSize != nil { throw ValidationError("--tree-size goes with --index; use --to with --from") }
        }

        struct InclusionReport: Encodable {
            let index: UInt64
            let treeSize: UInt64
            let entry: String
            let leafHash: String
            let rootHash: String
            let hashes: [String]
            let checkpointSize: UInt64
        }

        struct ConsistencyReport: Encodable {
            let from: UInt64
            let to: UInt64
            let fromRoot: String
            let toRoot: String
            let hashes: [String]
            let checkpointSize: UInt64
        }

        func run() async throws {
            try await reportingErrors {
                let source = connection.auditorLog
                let (checkpoint, _) = try await connection.publicLog.signedCheckpoint(verifiedWith: try await connection.verifierKey().key)
                let proofs = SignedTreeProofs(source: source, checkpoint: checkpoint)
                do {
                    if let index {
                        try await proveInclusion(index, proofs)
                    } else if let from {
                        try await proveConsistency(from, proofs)
                    }
                } catch let failure as LogVerificationFailure {
                    throw CLIError("the proof does not hold: \(failure)")
                }
            }
        }

        private func proveInclusion(_ index: UInt64, _ proofs: SignedTreeProofs<AuditLogSource>) async throws {
            let size = treeSize ?? proofs.checkpoint.size
            let inclusion = try await proofs.inclusion(index: index, treeSize: size)
            if connection.json {
                return try printJSON(InclusionReport(
                    index: index, treeSize: size, entry: Data(inclusion.leaf).base64EncodedString(),
                    leafHash: MerkleHasher.leafHash(inclusion.leaf).base64, rootHash: inclusion.root.base64,
                    hashes: inclusion.proof.map(\.base64), checkpointSize: proofs.checkpoint.size
                ))
            }
            print("entry \(index) is in the tree of \(size) entries (inclusion proof of \(inclusion.proof.count) hashes)\(tie(size, proofs))")
            print("root hash of \(size): \(inclusion.root.base64)")
            printEscaped(AuditCommand.Entries.line(index, inclusion.leaf))
        }

        private func proveConsistency(_ from: UInt64, _ proofs: SignedTreeProofs<AuditLogSource>) async throws {
            let to = self.to ?? proofs.checkpoint.size
            let consistency = try await proofs.consistency(from: from, to: to)
            if connection.json {
                return try printJSON(ConsistencyReport(
                    from: from, to: to, fromRoot: consistency.fromRoot.base64, toRoot: consistency.toRoot.base64,
                    hashes: consistency.proof.map(\.base64), checkpointSize: proofs.checkpoint.size
                ))
            }
            print("the tree of \(from) entries is a prefix of the tree of \(to) (consistency proof of \(consistency.proof.count) hashes)\(tie(to, proofs))")
            print("root hash of \(from): \(consistency.fromRoot.base64)")
            print("root hash of \(to): \(consistency.toRoot.base64)")
        }

        private func tie(_ size: UInt64, _ proofs: SignedTreeProofs<AuditLogSource>) -> String {
            size == proofs.checkpoint.size
                ? ", the tree of the signed checkpoint"
                : ", itself a prefix of the signed checkpoint's tree of \(proofs.checkpoint.size)"
        }
    }
}
