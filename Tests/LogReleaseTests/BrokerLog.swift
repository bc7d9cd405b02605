import CanonicalJSON
import Crypto
import Foundation
import LogRelease
import SamtykkeCore
import TransparencyLog
import Witness

/// A consent log as the broker keeps it, in memory: v2 entries sealed with `PublicEntry`, signed
/// checkpoints, real witnesses (the `Witness` target, with their state on disk) cosigning them,
/// and the log served as C2SP tlog-tiles to the monitor under test.
actor BrokerLog: TileFetcher {
    static let person = try! PersonID("14830351257")
    static let otherPerson = try! PersonID("02879423174")
    static let bank = try! OrgNumber("986352325")
    static let otherBank = try! OrgNumber("974760673")

    let signer: NoteSigner
    let witnesses: [Witness]
    private var leaves: [[UInt8]] = []
    private var store = InMemorySubtreeStore()
    private let subjectKey = SubjectKey.random()
    /// What `fetch("checkpoint")` serves when a test wants the log to lie.
    private var servedCheckpoint: String?
    /// Paths fetched, for the tests that the monitor resumes rather than re-reads.
    private(set) var fetched: [String] = []

    /// When each appended entry says it was logged.
    private let entryClock: @Sendable () -> Date

    /// A log and `witnessCount` witnesses, their state under `directory`, dated by `witnessClock`;
    /// its entries dated by `entryClock`.
    init(
        directory: String, origin: String = "samtykke.test/log", witnessCount: Int = 2,
        witnessClock: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970) },
        entryClock: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        self.entryClock = entryClock
        signer = try NoteSigner(name: origin, privateKey: Curve25519.Signing.PrivateKey())
        let log = try NoteVerifier(verifierKey: signer.verifierKey)
        witnesses = try (0..<witnessCount).map { number in
            try Witness(
                signer: CosignatureSigner(name: "witness.test/w\(number)", privateKey: Curve25519.Signing.PrivateKey()),
                logs: [log], stateDirectory: directory + "/witness\(number)", now: witnessClock)
        }
    }

    /// `log <vkey>`, a witness line per witness (w0, w1, ...), then `quorum`: by default a group of all of them.
    func policy(quorum: String? = nil) -> String {
        var lines = ["log \(signer.verifierKey) http://127.0.0.1:1/v1/audit/tlog"]
        for (number, witness) in witnesses.enumerated() { lines.append("witness w\(number) \(witness.signer.verifierKey)") }
        lines.append(quorum ?? "group all-of-them all \(witnesses.indices.map { "w\($0)" }.joined(separator: " "))\nquorum all-of-them")
        return lines.joined(separator: "\n") + "\n"
    }

    func gate(directory: String, quorum: String? = nil) throws -> ReleaseGate {
        try ReleaseGate(policy: LogPolicy(parsing: Array(policy(quorum: quorum).utf8)), fetcher: self, stateDirectory: directory + "/agency")
    }

    var size: UInt64 { store.size }

    /// A consent: its id, a fresh tag.
    struct Consent: Sendable {
        let id = ConsentID()
        var tag = ConsentTag.random()
        var personId = BrokerLog.person
        var bankOrg = BrokerLog.bank
    }

    /// Appends a v2 entry for `consent` and returns its index and opening.
    @discardableResult
    func append(_ event: LogEvent, for consent: Consent, actor: AuditEntry.Actor? = nil) throws -> (index: UInt64, opening: EntryOpening) {
        let part = try PrivateEntryPart(
            actor: actor ?? .bank(consent.bankOrg),
            parties: .init(consentId: consent.id, personId: consent.personId, bankOrg: consent.bankOrg), event: event)
        let (entry, opening) = try PublicEntry.seal(
            index: size, time: entryClock(), privatePart: part, consent: consent.tag, subjectKey: subjectKey)
        try append(leaf: try entry.leafBytes())
        return (opening.index, opening)
    }

    func append(leaf: [UInt8]) throws {
        leaves.append(leaf)
        store.append(leafHash: MerkleHasher.leafHash(leaf))
    }

    func checkpoint() throws -> Checkpoint {
        try Checkpoint(origin: signer.name, size: size, rootHash: MerkleTree.root(size: size, source: store))
    }

    /// The checkpoint signed by the log, cosigned by the first `cosigners` witnesses (all by default).
    func cosignedCheckpoint(cosigners: Int? = nil) async throws -> String {
        let checkpoint = try checkpoint()
        let signed = try signer.sign(checkpoint.body)
        var lines = ""
        for witness in witnesses.prefix(cosigners ?? witnesses.count) {
            let old = await witness.latestCheckpoint(origin: signer.name)?.size ?? 0
            let proof = try MerkleTree.consistencyProof(from: old, to: size, source: store)
            for cosignature in try await witness.addCheckpoint(AddCheckpointRequest(oldSize: old, proof: proof, signedCheckpoint: signed)) {
                lines += cosignature.line
            }
        }
        return signed + lines
    }

    /// The token's `tlog` claim for the entry at `index`: its proof in the tree as it is now.
    func claim(index: UInt64, opening: EntryOpening, cosigners: Int? = nil) async throws -> ReleaseClaim {
        let proof = TlogProof(
            index: index, hashes: try MerkleTree.inclusionProof(index: index, size: size, source: store),
            signedCheckpoint: try await cosignedCheckpoint(cosigners: cosigners))
        return ReleaseClaim(proof: proof.text, entry: leaves[Int(index)], opening: opening.json)
    }

    func serveCheckpoint(_ signed: String?) { servedCheckpoint = signed }

    /// Forgets the entries from `size` on, as a broker that forks its log would.
    func truncate(to size: UInt64) throws {
        let kept = leaves.prefix(Int(size))
        leaves = []
        store = InMemorySubtreeStore()
        for leaf in kept { try append(leaf: leaf) }
    }

    func fetch(_ path: String) async throws -> [UInt8]? {
        fetched.append(path)
        if path == "checkpoint" { return Array((try servedCheckpoint ?? signer.sign(checkpoint().body)).utf8) }
        let elements = path.split(separator: "/", omittingEmptySubsequences: false)
        guard elements.count >= 3, elements[0] == "tile" else { return nil }
        if elements[1] == "entries" {
            guard let tile = TilePath(elements: Array(elements.dropFirst(2))) else { return nil }
            let first = Int(tile.index) * TilePath.fullWidth
            guard first + tile.width <= leaves.count else { return nil }
            return leaves[first..<(first + tile.width)].flatMap { (leaf: [UInt8]) -> [UInt8] in [UInt8(leaf.count >> 8), UInt8(leaf.count & 0xFF)] + leaf }
        }
        guard let level = TilePath.level(elements[1]), let tile = TilePath(elements: Array(elements.dropFirst(2))) else { return nil }
        let first = tile.index * UInt64(TilePath.fullWidth)
        guard first + UInt64(tile.width) <= size >> (8 * level) else { return nil }
        return try (0..<UInt64(tile.width)).flatMap { try store.perfectSubtreeHash(level: 8 * level, index: first + $0).bytes }
    }

    func resetFetched() { fetched = [] }
}

extension LogEvent {
    /// A bank's request, as its `consent.requested` entry records it.
    static func requested(validUntil: Date = Date().addingTimeInterval(86_400), maxUses: Int = 10) -> LogEvent {
        try! LogEvent(type: .consentRequested, details: [
            "scopes": .array([.string("income")]),
            "years": .array([.number(2023), .number(2024)]),
            "purpose": .object(["code": .string("mortgage"), "text": .string("Boliglån")]),
            "validUntil": .string(RFC3339.string(from: validUntil)),
            "maxUses": .number(Double(maxUses)),
            "requestExpiresAt": .string(RFC3339.string(from: Date().addingTimeInterval(3_600))),
        ])
    }

    static let fetch = LogEvent.dataRequested(scopes: [.income], years: [2023, 2024])
    static let revoked = try! LogEvent(type: .consentRevoked, details: ["from": .string("active"), "to": .string("revoked")])
    static let granted = try! LogEvent(type: .consentGranted, details: ["from": .string("pending"), "to": .string("active")])
}

extension BrokerLog.Consent {
    var subject: ReleaseSubject {
        ReleaseSubject(consentId: id, personId: personId, bankOrg: bankOrg, consentTag: tag, scopes: [.income], years: [2024])
    }
}
