import Foundation
import SamtykkeCore
import TransparencyLog

/// What `consent log --verify` keeps between runs (SPEC §4), in a file only its owner reads: the
/// checkpoint it verified last with the right edge of that tree, so the next run reads only the
/// entries after it and proves the log only grew; and the citizen's verified history.
public struct CitizenLogState: Codable, Sendable, Hashable {
    public let head: AuditState
    /// The perfect subtrees whose fold is the trusted checkpoint's root (base64), widest first.
    public let rightEdge: [String]
    /// Every entry about the citizen verified so far, in index order.
    public let entries: [CitizenLogEntry]

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

    /// The state at `path`, or nil before the first run; a damaged one is an error.
    public static func load(from path: String) throws(AuditStateError) -> CitizenLogState? {
        try StateFile.read(CitizenLogState.self, from: path, writer: "consent log --verify", decode: fastRead) { state throws(AuditStateError) in
            _ = try state.trustedTree()
        }
    }

    public func save(to path: String) throws(AuditStateError) {
        try StateFile.write(self, to: path, encode: fastWrite)
    }

    /// What is kept beside the history, through the encoders as before: it is small.
    private struct Head: Codable {
        let head: AuditState
        let rightEdge: [String]
    }

    /// `{"entries":[…],"head":…,"rightEdge":…}`: the history written by hand (`CitizenHistoryJSON`).
    private func fastWrite(_ encoder: JSONEncoder) throws -> Data {
        var output = Array(#"{"entries":"#.utf8)
        CitizenHistoryJSON.write(entries, time: .iso8601, into: &output)
        encoder.outputFormatting.remove(.prettyPrinted)
        let rest = try encoder.encode(Head(head: head, rightEdge: rightEdge))
        output.append(UInt8(ascii: ","))
        output += rest.dropFirst()
        return Data(output)
    }

    /// What `fastWrite` wrote; nil for anything else, which the decoder reads.
    private static func fastRead(_ bytes: Data, _ decoder: JSONDecoder) -> CitizenLogState? {
        let bytes = Array(bytes)
        let prefix = Array(#"{"entries":"#.utf8)
        guard bytes.starts(with: prefix) else { return nil }
        var at = prefix.count
        guard let entries = CitizenHistoryJSON.read(bytes, at: &at), at < bytes.count, bytes[at] == UInt8(ascii: ","),
            let rest = try? decoder.decode(Head.self, from: Data([UInt8(ascii: "{")] + bytes[(at + 1)...]))
        else { return nil }
        return CitizenLogState(head: rest.head, rightEdge: rest.rightEdge, entries: entries)
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
