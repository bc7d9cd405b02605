import CanonicalJSON
import Crypto
import Foundation
import LogVerification
import SamtykkeCore
import TransparencyLog

/// `--only verify`: issue 27's three verifications over a log of v2 entries in this process (the
/// benchmark's figures are the commands over HTTP, `verifications`): the verifiers
/// (`LogVerification`) exactly as `audit verify` and `consent log --verify` run them, reading entry
/// bundles and openings from memory instead of HTTP, so the figures are the verifiers' own cost.
///
/// The log is one bank's consents, each requested, granted, fetched and revoked (four entries),
/// for 1000 people; the citizen verifying is one of them. Openings are rebuilt on request from the
/// entry's index, as a broker reads them from its table.
struct VerifyBench {
    let entries: Int

    struct Result: Codable, Sendable {
        var entries: Int
        var buildSeconds: Double
        /// `audit verify` with no key: entry bundles, tree, checkpoint, public invariants.
        var publicSeconds: Double
        var publicEntriesPerSecond: Double
        /// `audit verify --auditor-key`: the same and every opening checked.
        var openedSeconds: Double
        var openedEntriesPerSecond: Double
        /// The citizen's first `consent log --verify` over the whole log: entries scanned per second.
        var citizenSeconds: Double
        var citizenEntriesPerSecond: Double
        var citizenEntriesFound: Int
        /// The citizen's second run after `newEntries` more entries, from the state of the first.
        var newEntries: Int
        var citizenSecondRunSeconds: Double
        var verified: Bool
    }

    func run(log: (String) -> Void) async throws -> Result {
        log("verify: sealing a log of \(entries) v2 entries in memory")
        let buildStart = ContinuousClock.now
        var source = try MemoryV2Log(entries: entries)
        let buildSeconds = (ContinuousClock.now - buildStart).seconds
        let key = source.logKey

        func timed<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
            let start = ContinuousClock.now
            let value = try await body()
            return (value, (ContinuousClock.now - start).seconds)
        }
        let (publicResult, publicSeconds) = try await timed {
            try await LogAuditor(source: source, readsPages: false).verify(logKey: key, trusted: nil)
        }
        log(String(format: "  public audit verify: %.2f s, %.0f entries/s", publicSeconds, Double(entries) / publicSeconds))
        let (openedResult, openedSeconds) = try await timed {
            try await LogAuditor(source: source, openings: source, readsPages: false).verify(logKey: key, trusted: nil)
        }
        log(String(format: "  audit verify with openings: %.2f s, %.0f entries/s", openedSeconds, Double(entries) / openedSeconds))
        let citizen = CitizenLogVerifier(source: source, openings: source)
        let subjectKey = try await citizen.subjectKey()
        let (first, citizenSeconds) = try await timed {
            try await citizen.verify(server: "memory", logKey: key, subjectKey: subjectKey, state: nil, witnessKeys: [])
        }
        guard case .verified(let firstRun) = first else { throw BenchError("the citizen's first run failed: \(first)") }
        log(String(format: "  citizen's first run: %.2f s, %.0f entries/s scanned, %d about them",
                   citizenSeconds, Double(entries) / citizenSeconds, firstRun.history.count))

        let newEntries = 1_000
        try source.append(newEntries)
        let grown = CitizenLogVerifier(source: source, openings: source)
        let (second, secondSeconds) = try await timed {
            try await grown.verify(server: "memory", logKey: key, subjectKey: subjectKey, state: firstRun.state, witnessKeys: [])
        }
        guard case .verified = second else { throw BenchError("the citizen's second run failed: \(second)") }
        log(String(format: "  citizen's second run after %d new entries: %.3f s", newEntries, secondSeconds))

        let verified = [publicResult, openedResult].allSatisfy { if case .verified = $0 { true } else { false } }
        if !verified { log("  FAILED: \(publicResult) \(openedResult)") }
        return Result(
            entries: entries, buildSeconds: buildSeconds,
            publicSeconds: publicSeconds, publicEntriesPerSecond: Double(entries) / publicSeconds,
            openedSeconds: openedSeconds, openedEntriesPerSecond: Double(entries) / openedSeconds,
            citizenSeconds: citizenSeconds, citizenEntriesPerSecond: Double(entries) / citizenSeconds,
            citizenEntriesFound: firstRun.history.count, newEntries: newEntries, citizenSecondRunSeconds: secondSeconds, verified: verified
        )
    }
}

/// The v2 log `VerifyBench` verifies, with the auditor's and one citizen's openings.
struct MemoryV2Log: LogSource, AuditorOpeningSource, CitizenOpeningSource {
    private(set) var leaves: [[UInt8]] = []
    private var tree = MerkleTreeBuilder()
    private var note = ""
    private let signer: NoteSigner
    private let keys: [SubjectKey]
    private let people: [PersonID]
    private let bank = try! OrgNumber("986352325")
    private let start = Date(timeIntervalSince1970: 1_796_552_130)

    static let origin = "samtykke.bench/verify"
    static let peopleCount = 1_000
    /// The person whose `consent log --verify` is timed.
    static let citizen = 0

    init(entries: Int) throws {
        signer = try NoteSigner(name: Self.origin, privateKey: Curve25519.Signing.PrivateKey())
        keys = (0..<Self.peopleCount).map { _ in SubjectKey.random() }
        // Synthetic numbers (month + 80) with both check digits computed, as `PersonID` checks them.
        people = (0..<Self.peopleCount).compactMap { n in
            for serial in 100..<1000 {
                let base = String(format: "%02d%02d%02d%03d", 1 + n % 28, 81 + n % 12, n % 100, serial)
                if let person = try? PersonID(base + Self.checkDigits(base)) { return person }
            }
            return nil
        }
        guard people.count == Self.peopleCount else { throw BenchError("could not make \(Self.peopleCount) person numbers") }
        try append(entries)
    }

    var logKey: String { signer.verifierKey }

    /// Appends `count` entries and signs a checkpoint over them.
    mutating func append(_ count: Int) throws {
        for _ in 0..<count {
            let index = UInt64(leaves.count)
            let (entry, _) = try sealed(index)
            let leaf = try entry.leafBytes()
            leaves.append(leaf)
            tree.append(leafHash: MerkleHasher.leafHash(leaf))
        }
        note = try signer.sign(Checkpoint(origin: Self.origin, size: tree.size, rootHash: tree.root()).body)
    }

    /// Entry `index`: consent `index / 4`, of person `consent % 1000`, at step `index % 4`.
    private func sealed(_ index: UInt64) throws -> (PublicEntry, EntryOpening) {
        let consent = index / 4
        let person = Int(consent % UInt64(Self.peopleCount))
        var idBytes = Array(SHA256.hash(data: Array("consent \(consent)".utf8)).prefix(16))
        idBytes[6] = idBytes[6] & 0x0F | 0x70
        idBytes[8] = idBytes[8] & 0x3F | 0x80
        let id = ConsentID(UUID(uuid: (idBytes[0], idBytes[1], idBytes[2], idBytes[3], idBytes[4], idBytes[5], idBytes[6], idBytes[7],
                                       idBytes[8], idBytes[9], idBytes[10], idBytes[11], idBytes[12], idBytes[13], idBytes[14], idBytes[15])))
        let tag = try ConsentTag(bytes: Array(idBytes.reversed()))
        let parties = PrivateEntryPart.Parties(consentId: id, personId: people[person], bankOrg: bank)
        let (actor, event): (AuditEntry.Actor, LogEvent) = switch index % 4 {
        case 0: (.bank(bank), try LogEvent(type: .consentRequested, details: Self.requestedDetails(start)))
        case 1: (.citizen(people[person]), try LogEvent(type: .consentGranted, details: Self.transition("pending", "active")))
        case 2: (.bank(bank), .dataRequested(scopes: [.income], years: [2024]))
        default: (.citizen(people[person]), try LogEvent(type: .consentRevoked, details: Self.transition("active", "revoked")))
        }
        let salt = try EntrySalt(bytes: Array(SHA256.hash(data: Array("salt \(index)".utf8))))
        return try PublicEntry.seal(
            index: index, time: start.addingTimeInterval(Double(index) / 1000), privatePart: PrivateEntryPart(actor: actor, parties: parties, event: event),
            consent: tag, subjectKey: keys[person], salt: salt
        )
    }

    private static func requestedDetails(_ start: Date) -> [String: JSONValue] {
        [
            "scopes": .array([.string("income")]), "years": .array([.number(2024)]),
            "purpose": .object(["code": .string("loan-application"), "text": .string("Mortgage")]),
            "validUntil": .string(RFC3339.string(from: start.addingTimeInterval(30 * 86_400))), "maxUses": .number(2),
            "requestExpiresAt": .string(RFC3339.string(from: start.addingTimeInterval(86_400))),
        ]
    }

    private static func transition(_ from: String, _ to: String) -> [String: JSONValue] {
        ["from": .string(from), "to": .string(to)]
    }

    private static func checkDigits(_ nine: String) -> String {
        let d = nine.compactMap { $0.wholeNumberValue }
        let k1 = (11 - zip(d, [3, 7, 6, 1, 8, 9, 4, 5, 2]).map(*).reduce(0, +) % 11) % 11
        let k2 = (11 - zip(d + [k1], [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]).map(*).reduce(0, +) % 11) % 11
        return "\(k1)\(k2)"
    }

    // MARK: LogSource

    func signedCheckpoint() async throws -> String { note }

    func entries(start: UInt64, limit: Int) async throws -> [ServedEntry] {
        (start..<min(UInt64(leaves.count), start + UInt64(limit))).map { ServedEntry(index: $0, leaf: leaves[Int($0)]) }
    }

    func entryBundle(_ tile: TilePath) async throws -> [UInt8] {
        let first = Int(tile.index) * TilePath.fullWidth
        var bundle: [UInt8] = []
        bundle.reserveCapacity(tile.width * 260)
        for leaf in leaves[first..<first + tile.width] {
            bundle += [UInt8(leaf.count >> 8), UInt8(leaf.count & 0xFF)]
            bundle += leaf
        }
        return bundle
    }

    func leafHashes(_ tile: TilePath) async throws -> [Hash] {
        let first = Int(tile.index) * TilePath.fullWidth
        return leaves[first..<first + tile.width].map(MerkleHasher.leafHash)
    }

    func inclusionProof(index: UInt64, treeSize: UInt64) async throws -> [Hash] { throw BenchError("not served") }
    func consistencyProof(from: UInt64, to: UInt64) async throws -> [Hash] { throw BenchError("not served") }

    // MARK: Openings

    func openings(start: UInt64, limit: Int) async throws -> [ServedOpening] {
        try (start..<min(UInt64(leaves.count), start + UInt64(limit))).map { index in
            let (_, opening) = try sealed(index)
            let person = Int((index / 4) % UInt64(Self.peopleCount))
            return ServedOpening(index: index, opening: opening.json, subjectKey: keys[person].description)
        }
    }

    func subjectKey() async throws -> String? { keys[Self.citizen].description }

    func openings(indexes: [UInt64]) async throws -> [JSONValue] {
        try indexes.filter { $0 < UInt64(leaves.count) && ($0 / 4) % UInt64(Self.peopleCount) == UInt64(Self.citizen) }.map { try sealed($0).1.json }
    }
}
