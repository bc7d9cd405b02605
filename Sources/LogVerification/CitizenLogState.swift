import Foundation
import SamtykkeCore
import TransparencyLog

/// What `consent log --verify` keeps between runs (SPEC §4), in files only their owner reads: the
/// checkpoint it verified last with the right edge of that tree, so the next run reads only the
/// entries after it and proves the log only grew; and the citizen's verified history, which the
/// state file names (`CitizenHistoryFile`).
public struct CitizenLogState: Codable, Sendable, Hashable {
    public let head: AuditState
    /// The perfect subtrees whose fold is the trusted checkpoint's root (base64), widest first.
    public let rightEdge: [String]
    /// Every entry about the citizen verified so far, in index order.
    public let entries: [CitizenLogEntry]
    /// The subject key the history was found with (base64url): once retention has forgotten all of
    /// the citizen's consents the broker deletes it and answers 404, and the next runs scan with this
    /// one, so they still find the `consent.forgotten` entries and mark the history forgotten. Nil
    /// in the state files of the runs before it was kept.
    public let subjectKey: String?
    /// Where `load` read `entries` from, for the next `save` to add to; nil for a state this run
    /// made, and for one read from a state file that held its history (as before issue 27 point 7).
    var history: CitizenHistoryFile?

    public init(head: AuditState, rightEdge: [String], entries: [CitizenLogEntry], subjectKey: String? = nil) {
        self.head = head
        self.rightEdge = rightEdge
        self.entries = entries
        self.subjectKey = subjectKey
    }

    /// The state the older state files held whole, and `==`: where the history lies is not part of it.
    private enum CodingKeys: String, CodingKey {
        case head, rightEdge, entries, subjectKey
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.head == b.head && a.rightEdge == b.rightEdge && a.entries == b.entries && a.subjectKey == b.subjectKey
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(head)
        hasher.combine(rightEdge)
        hasher.combine(entries)
        hasher.combine(subjectKey)
    }

    /// `subjectKey` read, as `load` checked it.
    func keptSubjectKey() throws(AuditStateError) -> SubjectKey? {
        guard let subjectKey else { return nil }
        do { return try SubjectKey(base64URL: subjectKey, field: "subjectKey") } catch { throw .malformed("its subject key is not 32 bytes of base64url") }
    }

    /// The tree of the trusted checkpoint, resumed from its right edge and proven to be it.
    func trustedTree() throws(AuditStateError) -> (checkpoint: Checkpoint, tree: MerkleTreeBuilder) {
        let checkpoint = try head.trusted()
        let hashes = rightEdge.compactMap(Hash.init(base64:))
        guard hashes.count == rightEdge.count, let tree = try? MerkleTreeBuilder(size: checkpoint.size, rightEdge: hashes),
            tree.root() == checkpoint.rootHash
        else { throw .malformed("its tree edge does not lead to the root of its checkpoint") }
        return (checkpoint, tree)
    }

    /// ~/.samtykke/citizen-log-<16 hex digits of SHA-256 of the server URL and the subject key>.json:
    /// one file per log and person.
    public static func defaultPath(server: String, subjectKey: String) -> String {
        StateFile.defaultPath("citizen-log-\(Hash(sha256Of: Array("\(server)\n\(subjectKey)".utf8)).hex.prefix(16)).json")
    }

    /// The state at `path`, or nil before the first run; a damaged one (its history too) is an error.
    public static func load(from path: String) throws(AuditStateError) -> CitizenLogState? {
        let file = URL(fileURLWithPath: path)
        return try StateFile.read(CitizenLogState.self, from: path, writer: "consent log --verify", decode: { bytes, decoder in
            if let whole = wholeHistory(bytes, decoder) { return whole }
            guard let stored = try? decoder.decode(Stored.self, from: bytes),
                let entries = stored.history.read(beside: file, decoder: decoder)
            else { return nil }
            var state = CitizenLogState(head: stored.head, rightEdge: stored.rightEdge, entries: entries, subjectKey: stored.subjectKey)
            state.history = stored.history
            return state
        }) { state throws(AuditStateError) in
            _ = try state.trustedTree()
            _ = try state.keptSubjectKey()
        }
    }

    /// Saves the state over `earlier`, the state this run started from: its history file is added to
    /// where the entries only grew and no other run has saved since, otherwise written anew; then the
    /// state file is replaced to name it, and the histories it no longer names are removed.
    public func save(to path: String, after earlier: CitizenLogState?) throws(AuditStateError) {
        let file = URL(fileURLWithPath: path)
        try StateFile.takingTurns(at: path) { () throws(AuditStateError) in
            // What the state file names now: another run may have saved since this one read it.
            let current = (try? Data(contentsOf: file)).flatMap { try? JSONDecoder().decode(Stored.Names.self, from: $0) }?.history
            let base = earlier.flatMap { earlier in earlier.history.flatMap { $0 == current ? ($0, earlier.entries) : nil } }
            let history: CitizenHistoryFile
            do {
                history = try CitizenHistoryFile.save(entries, beside: file, after: base)
            } catch {
                throw .unwritable(path: path, reason: "its history cannot be written (\(error))")
            }
            try StateFile.write(Stored(head: head, history: history, rightEdge: rightEdge, subjectKey: subjectKey), to: path)
            CitizenHistoryFile.removeOthers(beside: file, kept: history)
        }
    }

    /// The state file as `save` writes it.
    private struct Stored: Codable {
        let head: AuditState
        let history: CitizenHistoryFile
        let rightEdge: [String]
        let subjectKey: String?

        /// Only the history it names.
        struct Names: Decodable {
            let history: CitizenHistoryFile
        }
    }

    /// A state file that holds its history, `{"entries":[…],"head":…,"rightEdge":…}` as the runs
    /// before `CitizenHistoryFile` wrote it by hand; nil for anything else.
    private static func wholeHistory(_ bytes: Data, _ decoder: JSONDecoder) -> CitizenLogState? {
        let bytes = Array(bytes)
        let prefix = Array(#"{"entries":"#.utf8)
        guard bytes.starts(with: prefix) else { return nil }
        var at = prefix.count
        guard let entries = CitizenHistoryJSON.read(bytes, at: &at), at < bytes.count, bytes[at] == UInt8(ascii: ","),
            let rest = try? decoder.decode(Head.self, from: Data([UInt8(ascii: "{")] + bytes[(at + 1)...]))
        else { return nil }
        return CitizenLogState(head: rest.head, rightEdge: rest.rightEdge, entries: entries)
    }

    /// What those files kept beside the history.
    private struct Head: Codable {
        let head: AuditState
        let rightEdge: [String]
    }
}

/// One entry about the citizen, verified: opened with the citizen's own openings and proven in the
/// signed tree, with what a person needs to read it.
public struct CitizenLogEntry: Codable, Sendable, Hashable {
    public let index: UInt64
    public let time: Date
    public let type: AuditEntry.EntryType
    /// The consent's public tag.
    public let consentTag: String
    /// From the opening; nil for an entry of a forgotten consent, whose opening is gone.
    public let consentId: String?
    public let bankOrg: String?
    public let actor: AuditEntry.Actor?
    /// The data the entry is about, where it is about data (request, fetch, bundle).
    public let scopes: [Scope]?
    public let years: [Int]?
    /// The index of the `consent.forgotten` entry of this entry's consent, once it was forgotten.
    public var forgottenAt: UInt64?

    init(
        index: UInt64, time: Date, type: AuditEntry.EntryType, consentTag: String, consentId: String?, bankOrg: String?, actor: AuditEntry.Actor?,
        scopes: [Scope]?, years: [Int]?, forgottenAt: UInt64?
    ) {
        self.index = index
        self.time = time
        self.type = type
        self.consentTag = consentTag
        self.consentId = consentId
        self.bankOrg = bankOrg
        self.actor = actor
        self.scopes = scopes
        self.years = years
        self.forgottenAt = forgottenAt
    }

    init(_ entry: PublicEntry, opened: AuditEntry?) {
        index = entry.index
        time = entry.time
        type = entry.type
        consentTag = entry.consent.description
        consentId = opened?.consentId.description
        bankOrg = opened?.bankOrg.digits
        actor = opened?.actor
        switch opened?.event {
        case .requested(let terms)?: (scopes, years) = (terms.scopes, terms.years)
        case .bundleIssued(let issue)?: (scopes, years) = (issue.scopes, issue.years)
        case .dataRequested(let scopes, let years)?: (self.scopes, self.years) = (scopes, years)
        default: (scopes, years) = (nil, nil)
        }
    }
}
