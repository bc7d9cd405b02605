import ArgumentParser
import BrokerClient
import Foundation
import LogVerification

extension AuditCommand {
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the log from every entry and check it against the signed checkpoint and the last run.",
            discussion: """
                Reads every entry (as C2SP entry bundles of 256, several at once; if those do not lead to \
                the signed root, again 1000 per request to name the entry at fault), checks each is \
                canonical JSON carrying its own index, rebuilds the Merkle root, checks the checkpoint's signature and root, then proves with a \
                consistency proof that the log extends the checkpoint kept from the last run. The first \
                run has nothing to compare with: it trusts the checkpoint and log key it sees (trust on \
                first use) and says so. On success it prints the size and root and saves the checkpoint; \
                on failure it prints one line naming the first bad index and exits non-zero.
                """
        )

        @OptionGroup var connection: AuditConnection
        @Option(help: "The state file kept between runs (default ~/.samtykke/audit-state-<hash of server URL>.json).")
        var state: String?
        @OptionGroup var witnesses: WitnessKeys

        /// What --json prints, success or not.
        struct Report: Encodable {
            let verified: Bool
            let origin: String?
            let size: UInt64?
            let rootHash: String?
            let trustedOnFirstUse: Bool?
            let previousSize: UInt64?
            let firstBadIndex: UInt64?
            let failure: String?
            let stateFile: String
            /// Whether the entries were read as C2SP entry bundles (false: from pages, the broker serving none).
            let readAsEntryBundles: Bool?
            /// Consents named by v2 entries, each checked against the public invariants, and how many were forgotten.
            var consentTags: Int? = nil
            var forgottenConsentTags: Int? = nil
            /// Entries of forgotten consents, without an opening any more, and v1 entries, which cannot be shredded.
            var shreddedEntries: Int? = nil
            var v1Entries: UInt64? = nil
        }

        mutating func validate() throws {
            try Env.present(connection.auditorKey, "auditor-key")
            try Env.fill(&state, "state")
        }

        func run() async throws {
            try await reportingErrors {
                let server = connection.serverURL
                let statePath = state ?? AuditState.defaultPath(server: server)
                let trusted = try AuditState.load(from: statePath)
                let source = connection.auditorLog
                let key = try await connection.verifierKey().key
                let progress = AuditProgressBar()
                let result = try await LogAuditor(source: source).verify(logKey: key, trusted: trusted, witnessKeys: witnesses.keys) { done, total in
                    progress?.show(done, of: total)
                }
                progress?.clear()
                switch result {
                case .failed(let failure):
                    if connection.json {
                        try printJSON(Report(verified: false, origin: nil, size: nil, rootHash: nil, trustedOnFirstUse: nil,
                                             previousSize: nil, firstBadIndex: failure.firstBadIndex, failure: failure.description, stateFile: statePath,
                                             readAsEntryBundles: nil))
                    }
                    let at = failure.firstBadIndex.map { " at index \($0)" } ?? ""
                    throw CLIError("the log does not verify\(at): \(failure)")
                case .verified(let log):
                    try AuditState(server: server, verified: log, at: Date()).save(to: statePath)
                    if connection.json {
                        return try printJSON(Report(
                            verified: true, origin: log.checkpoint.origin, size: log.checkpoint.size, rootHash: log.checkpoint.rootHash.base64,
                            trustedOnFirstUse: log.trustedOnFirstUse, previousSize: log.trusted?.size, firstBadIndex: nil, failure: nil,
                            stateFile: statePath, readAsEntryBundles: log.readAsEntryBundles,
                            consentTags: log.consentTags, forgottenConsentTags: log.forgottenConsentTags,
                            shreddedEntries: log.shreddedEntries, v1Entries: log.v1Entries
                        ))
                    }
                    printEscaped("verified: \(log.checkpoint.size) entries of log \(log.checkpoint.origin)")
                    print("root hash: \(log.checkpoint.rootHash.base64)")
                    if log.consentTags > 0 {
                        print("public rules hold for the \(log.consentTags) consents of the v2 entries (\(log.forgottenConsentTags) of them forgotten)")
                    }
                    if log.shreddedEntries > 0 {
                        print("\(log.shreddedEntries) entries of forgotten consents have no opening any more: nobody can link them to a person")
                    }
                    if log.v1Entries > 0 {
                        print("\(log.v1Entries) v1 entries from before the upgrade name their parties in clear and cannot be shredded")
                    }
                    for cosignature in log.cosignatures {
                        print(WitnessKeys.line(for: cosignature))
                    }
                    if let previous = log.trusted, let when = trusted?.verifiedAt {
                        print("consistent with the \(previous.size) entries verified on \(when.formatted(.iso8601)): the log only grew")
                    } else {
                        printEscaped("first run: nothing to compare with, so this checkpoint and log key \(key) are trusted on first use")
                    }
                    print("state saved to \(statePath)")
                }
            }
        }
    }
}
