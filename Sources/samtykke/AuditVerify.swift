import ArgumentParser
import BrokerClient
import Foundation
import LogVerification

extension AuditCommand {
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the log from every entry and check it against the signed checkpoint and the last run.",
            discussion: """
                Anyone can run it: without --auditor-key it reads the public entry bundles and hash tiles and checks the \
                public rules of every consent tag (SPEC §4); entries from before the upgrade (v1) are for auditors only, and \
                are proven by their hashes and counted, not read. With --auditor-key it also opens every entry that has an \
                opening and checks its commitment and subject tag, that all entries of a consent name one person and bank, \
                and the full state machine; entries with no opening any more must belong to a forgotten consent, and are counted.

                
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
            /// Entries for auditors only (v1) that a run without the key proved by hash but did not read.
            var withheldEntries: UInt64? = nil
            /// With the auditor key: v2 entries opened and checked, v1 entries read, entries of forgotten consents without an opening.
            var openedEntries: Int? = nil
            var v1EntriesRead: Int? = nil
            var entriesWithoutOpening: Int? = nil
        }

        mutating func validate() throws {
            try Env.fill(&state, "state")
        }

        /// Anyone's check from the public log, or an auditor's with the openings.
        private var auditor: LogAuditor<AuditLogSource> {
            guard connection.auditorKey != nil else { return LogAuditor(source: connection.publicLog, readsPages: false) }
            return LogAuditor(source: connection.auditorLog, openings: connection.auditorLog)
        }

        func run() async throws {
            try await reportingErrors {
                let server = connection.serverURL
                let statePath = state ?? AuditState.defaultPath(server: server)
                let trusted = try AuditState.load(from: statePath)
                let key = try await connection.verifierKey().key
                let progress = AuditProgressBar()
                let result = try await auditor.verify(logKey: key, trusted: trusted, witnessKeys: witnesses.keys) { done, total in
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
                            shreddedEntries: log.shreddedEntries, v1Entries: log.v1Entries, withheldEntries: log.withheldEntries,
                            openedEntries: log.opened?.opened, v1EntriesRead: log.opened?.v1Entries, entriesWithoutOpening: log.opened?.withoutOpening
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
                    if log.withheldEntries > 0 {
                        print("skipped \(log.withheldEntries) v1 entries from before the upgrade: they are for auditors only, so their hashes were checked but not their content (give --auditor-key to read them)")
                    }
                    if log.uncheckedConsentTags > 0 {
                        print("\(log.uncheckedConsentTags) consents were requested among those skipped entries, so their public rules were not checked")
                    }
                    if let opened = log.opened {
                        let v1 = opened.v1Entries > 0 ? " and read \(opened.v1Entries) v1 entries" : ""
                        print("opened and checked \(opened.opened) v2 entries\(v1): commitments, subject tags, parties and state machine hold")
                        // The shredded ones are counted above already; only a difference is news.
                        if opened.withoutOpening > 0, opened.withoutOpening != log.shreddedEntries {
                            print("\(opened.withoutOpening) entries have no opening any more: all of consents that were forgotten")
                        }
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
