import CanonicalJSON
import Foundation
import SamtykkeCore
import TransparencyLog

/// `samtykke consent log --verify` as a library (SPEC §4): the citizen's own check of the log,
/// trusting the broker for nothing. It reads every public entry after the checkpoint it verified
/// last, picks out those tagged with the citizen's subject key, opens each with the citizen's own
/// openings, and proves all of them in the signed tree by rebuilding that tree from its last one.
/// The scan, not the broker's access log, decides which entries are about the citizen.
public struct CitizenLogVerifier<Source: LogSource>: Sendable {
    public let source: Source
    public let openings: any CitizenOpeningSource
    /// Entry bundles fetched or hashed at once.
    public let bundleWindow: Int

    /// Indexes per `GET /v1/me/openings`: the most the broker answers at once.
    public static var openingsPerRequest: Int { 1000 }

    public init(source: Source, openings: any CitizenOpeningSource, bundleWindow: Int = 8) {
        self.source = source
        self.openings = openings
        self.bundleWindow = bundleWindow
    }

    /// What a run established.
    public struct Verified: Sendable {
        public let checkpoint: Checkpoint
        public let cosignatures: [Cosignature]
        /// The checkpoint of the last run; nil on a first run, which trusts on first use.
        public let trusted: Checkpoint?
        /// Entries read this run, and how many of them the log keeps to auditors (v1).
        public let scanned: UInt64
        public let withheld: UInt64
        /// Every entry about the citizen, this run's and the earlier ones, in index order.
        public let history: [CitizenLogEntry]
        /// How many of `history` this run found.
        public let found: Int
        /// What the next run starts from; nil when the log holds nothing about the citizen (no key).
        public let state: CitizenLogState?
    }

    public enum Result: Sendable {
        case verified(Verified)
        case failed(LogVerificationFailure)
    }

    /// Verifies the log against `logKey` and `witnessKeys`, from `state` when there is one.
    /// `subjectKey` is the citizen's, as `subjectKey()` read it; nil when the broker has none (it
    /// never logged anything about them, or it forgot all their consents): then the key `state` kept
    /// scans, so the forgetting shows in the history; with neither, the log is still verified, and
    /// nothing is kept.
    public func verify(
        server: String, logKey: String, subjectKey: SubjectKey?, state: CitizenLogState?, witnessKeys: [String], now: Date = Date()
    ) async throws -> Result {
        do {
            let kept = try state?.keptSubjectKey()
            if let subjectKey, let kept, subjectKey != kept { throw AuditStateError.anotherSubjectKey }
            let subjectKey = subjectKey ?? kept
            let head = try await SignedHead.fetch(from: source, logKey: logKey, trusted: state?.head, witnessKeys: witnessKeys)
            let trusted = try state?.trustedTree()
            if let trusted, trusted.checkpoint.size > head.checkpoint.size {
                throw LogVerificationFailure(.rollback(trustedSize: trusted.checkpoint.size, size: head.checkpoint.size))
            }
            var pass = BundledPass(source: source, size: head.checkpoint.size, window: bundleWindow)
            pass.start = trusted?.tree ?? MerkleTreeBuilder()
            pass.subjectKey = subjectKey
            pass.knownTags = Set((state?.entries ?? []).compactMap { try? ConsentTag(base64URL: $0.consentTag, field: "consentTag") })
            let outcome: BundledPass<Source>.Outcome
            do {
                outcome = try await pass.run { _ in }
            } catch let fault as BundleFault {
                throw LogVerificationFailure(.bundlesDisagree(index: fault.index, reason: fault.reason))
            }
            let root = outcome.tree.root()
            guard root == head.checkpoint.rootHash else {
                guard let trusted else {
                    throw LogVerificationFailure(.rootMismatch(size: head.checkpoint.size, computed: root, signed: head.checkpoint.rootHash))
                }
                throw LogVerificationFailure(.inconsistentWithTrusted(
                    trustedSize: trusted.checkpoint.size, size: head.checkpoint.size,
                    reason: "the entries after those verified lead to \(root.base64), the signed root is \(head.checkpoint.rootHash.base64)"
                ))
            }
            if let broken = outcome.scan.firstBroken { throw broken }
            let found = try await opened(outcome.scan.mine, subjectKey: subjectKey)
            let history = Self.merged(state?.entries ?? [], found)
            let newState = subjectKey.map { key in
                CitizenLogState(
                    head: AuditState(server: server, logKey: logKey, checkpoint: head.note, at: now),
                    rightEdge: outcome.tree.rightEdge.map(\.base64), entries: history, subjectKey: key.description
                )
            }
            return .verified(Verified(
                checkpoint: head.checkpoint, cosignatures: head.cosignatures, trusted: trusted?.checkpoint,
                scanned: head.checkpoint.size - (trusted?.checkpoint.size ?? 0), withheld: outcome.withheld,
                history: history, found: found.count, state: newState
            ))
        } catch let failure as LogVerificationFailure {
            return .failed(failure)
        }
    }

    /// The citizen's subject key, read strictly: a malformed one is the broker's fault, one line.
    public func subjectKey() async throws -> SubjectKey? {
        guard let text = try await openings.subjectKey() else { return nil }
        do {
            return try SubjectKey(base64URL: text, field: "subjectKey")
        } catch {
            throw CitizenLogError.malformedSubjectKey
        }
    }

    /// `mine` opened with the citizen's openings and checked. An entry without one is an entry of a
    /// forgotten consent when the log holds that consent's `consent.forgotten` entry (tagged as the
    /// citizen's too); otherwise the broker hides what it logged about them.
    private func opened(_ mine: [PublicEntry], subjectKey: SubjectKey?) async throws -> [CitizenLogEntry] {
        var served: [UInt64: ServedOpening] = [:]
        for start in stride(from: 0, to: mine.count, by: Self.openingsPerRequest) {
            let indexes = mine[start..<min(start + Self.openingsPerRequest, mine.count)].map(\.index)
            let wanted = Set(indexes)
            for opening in try await openings.servedOpenings(indexes: indexes) where wanted.contains(opening.index) {
                served[opening.index] = served[opening.index] ?? opening
            }
        }
        let tagger = subjectKey.map(SubjectTagger.init)
        var found: [CitizenLogEntry] = []
        var forgottenAt: [ConsentTag: UInt64] = [:]
        for entry in mine where entry.type == .consentForgotten {
            forgottenAt[entry.consent] = entry.index
        }
        for entry in mine {
            guard let opening = served[entry.index] else {
                guard let forgotten = forgottenAt[entry.consent] else { throw LogVerificationFailure(.notOpenedForYou(index: entry.index)) }
                var unopened = CitizenLogEntry(entry, opened: nil)
                unopened.forgottenAt = forgotten
                found.append(unopened)
                continue
            }
            do throws(DomainError) {
                let opening = try opening.read(as: entry.type)
                if entry.type == .consentForgotten {
                    try entry.check(opening, tagger: tagger)
                    found.append(CitizenLogEntry(entry, opened: nil))
                } else {
                    var item = CitizenLogEntry(entry, opened: try AuditEntry(entry, opening: opening, tagger: tagger))
                    item.forgottenAt = forgottenAt[entry.consent]
                    found.append(item)
                }
            } catch {
                throw LogVerificationFailure(.badOpening(index: entry.index, reason: error.description))
            }
        }
        return found
    }

    /// The earlier history with this run's entries after it; a consent forgotten in this run marks
    /// its earlier entries with the index of its `consent.forgotten`.
    static func merged(_ earlier: [CitizenLogEntry], _ found: [CitizenLogEntry]) -> [CitizenLogEntry] {
        let forgotten = Dictionary(found.filter { $0.type == .consentForgotten }.map { ($0.consentTag, $0.index) }, uniquingKeysWith: min)
        return earlier.map { entry in
            var entry = entry
            if entry.forgottenAt == nil { entry.forgottenAt = forgotten[entry.consentTag] }
            return entry
        } + found
    }
}

/// What a broker served the citizen's verification that is not even a value it could check.
public enum CitizenLogError: Error, Sendable, Hashable, CustomStringConvertible {
    case malformedSubjectKey

    public var description: String {
        switch self {
        case .malformedSubjectKey: "the broker's subject key for you is not 32 bytes of base64url (GET /v1/me/subject-key)"
        }
    }
}
