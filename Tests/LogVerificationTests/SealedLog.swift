import CanonicalJSON
import Foundation
import LogVerification
@testable import SamtykkeCore
import TransparencyLog

/// A log as the broker writes it after the upgrade: v1 entries first, then v2 entries sealed with
/// each person's subject key, their openings kept beside them (SPEC §4). Serves the auditors'
/// openings itself and a citizen's through `citizen(_:)`.
struct SealedLog: LogSource, AuditorOpeningSource {
    var log: InMemoryLog
    /// The person each v2 entry is about (nil for `consent.forgotten`, whose opening names no one).
    var people: [UInt64: PersonID] = [:]
    var keys: [PersonID: SubjectKey] = [:]
    /// Openings the citizen route serves in place of the stored ones, as a broker that lies.
    var citizenOpenings: [UInt64: JSONValue] = [:]

    static let alice = try! PersonID("14830351257")
    static let bob = try! PersonID("24859045681")
    static let bank = try! OrgNumber("986352325")
    static let start = Date(timeIntervalSince1970: 1_796_552_130)

    /// `v1` v1 entries, then for alice a consent granted, used and revoked, and one denied and
    /// forgotten (its openings gone); for bob a consent granted.
    init(v1: Int = 256) throws {
        log = try InMemoryLog(size: 0)
        try log.append(leaves: try Self.v1Entries(v1))
        let revoked = try consent(for: Self.alice)
        try append(revoked, .requested, .granted, .dataRequested, .revoked)
        let bobs = try consent(for: Self.bob)
        try append(bobs, .requested, .granted)
        let denied = try consent(for: Self.alice)
        try append(denied, .requested, .denied, .forgotten)
        forget(denied)
    }

    /// A v1 consent requested, then refused bundles: what the log held before the upgrade.
    static func v1Entries(_ count: Int) throws -> [[UInt8]] {
        let id = ConsentID(UUID())
        return try (0..<UInt64(count)).map { index in
            try AuditEntry(
                index: index, time: start.addingTimeInterval(Double(index) - 100_000), actor: .bank(bank), consentId: id, personId: alice,
                bankOrg: bank, event: index == 0 ? requested : .bundleRefused(reason: "consent is pending")
            ).leafBytes()
        }
    }

    static let requested = LogEvent.requested(LogEvent.RequestedTerms(
        scopes: [.income], years: [2024], purpose: try! Purpose(code: "loan-application", text: "Mortgage"),
        validUntil: start.addingTimeInterval(86_400), maxUses: 2, requestExpiresAt: start.addingTimeInterval(3_600)
    ))

    /// One consent's parties and tag.
    struct Consent {
        let id: ConsentID
        let tag: ConsentTag
        let person: PersonID
    }

    enum Step {
        case requested, granted, denied, dataRequested, revoked, forgotten
    }

    mutating func consent(for person: PersonID) throws -> Consent {
        if keys[person] == nil { keys[person] = .random() }
        return Consent(id: ConsentID(UUID()), tag: .random(), person: person)
    }

    /// Appends `steps` of `consent`, each sealed with `key` (the person's unless given), and signs.
    mutating func append(_ consent: Consent, _ steps: Step..., key: SubjectKey? = nil) throws {
        var leaves: [[UInt8]] = []
        for step in steps {
            let index = log.size + UInt64(leaves.count)
            let parties = PrivateEntryPart.Parties(consentId: consent.id, personId: consent.person, bankOrg: Self.bank)
            let (actor, event): (AuditEntry.Actor, LogEvent) = switch step {
            case .requested: (.bank(Self.bank), Self.requested)
            case .granted: (.citizen(consent.person), Self.transition(.pending, .grant))
            case .denied: (.citizen(consent.person), Self.transition(.pending, .deny))
            case .revoked: (.citizen(consent.person), Self.transition(.active, .revoke))
            case .dataRequested: (.bank(Self.bank), .dataRequested(scopes: [.income], years: [2024]))
            case .forgotten: (.system, .forgotten)
            }
            let part = try PrivateEntryPart(actor: actor, parties: event == .forgotten ? nil : parties, event: event)
            let (entry, opening) = try PublicEntry.seal(
                index: index, time: Self.start.addingTimeInterval(Double(index)), privatePart: part, consent: consent.tag,
                subjectKey: key ?? keys[consent.person]!
            )
            leaves.append(try entry.leafBytes())
            log.openings[index] = ServedOpening(
                index: index, opening: opening.json, subjectKey: event == .forgotten ? nil : keys[consent.person]!.description
            )
            people[index] = event == .forgotten ? nil : consent.person
        }
        try log.append(leaves: leaves)
    }

    /// Retention's crypto-shredding: the openings of the consent's entries go, its `consent.forgotten` one stays.
    mutating func forget(_ consent: Consent) {
        for (index, opening) in log.openings {
            if case .object(let o) = opening.opening, case .object(let p)? = o["private"], p["consentId"] == .string(consent.id.description) {
                log.openings[index] = nil
            }
        }
    }

    static func transition(_ from: ConsentStatus, _ event: ConsentEvent) -> LogEvent {
        .transitioned(ConsentTransition(from: from, to: from.next(on: event)!, event: event), uses: nil)
    }

    /// The v2 entries' indexes about `person`.
    func indexes(about person: PersonID) -> [UInt64] {
        people.filter { $0.value == person }.map(\.key).sorted()
    }

    // MARK: LogSource, AuditorOpeningSource

    func signedCheckpoint() async throws -> String { try await log.signedCheckpoint() }
    func entries(start: UInt64, limit: Int) async throws -> [ServedEntry] { try await log.entries(start: start, limit: limit) }
    func entryBundle(_ tile: TilePath) async throws -> [UInt8] { try await log.entryBundle(tile) }
    func leafHashes(_ tile: TilePath) async throws -> [Hash] { try await log.leafHashes(tile) }
    func inclusionProof(index: UInt64, treeSize: UInt64) async throws -> [Hash] { try await log.inclusionProof(index: index, treeSize: treeSize) }
    func consistencyProof(from: UInt64, to: UInt64) async throws -> [Hash] { try await log.consistencyProof(from: from, to: to) }

    func openings(start: UInt64, limit: Int) async throws -> [ServedOpening] {
        Array(log.openings.values.filter { $0.index >= start }.sorted { $0.index < $1.index }.prefix(limit))
    }

    /// What `person` gets from `/v1/me/subject-key` and `/v1/me/openings`.
    func citizen(_ person: PersonID) -> Citizen {
        Citizen(log: self, person: person)
    }

    struct Citizen: CitizenOpeningSource {
        let log: SealedLog
        let person: PersonID
        var servedKey: String?

        init(log: SealedLog, person: PersonID) {
            self.log = log
            self.person = person
            servedKey = log.keys[person]?.description
        }

        func subjectKey() async throws -> String? { servedKey }

        func openings(indexes: [UInt64]) async throws -> [JSONValue] {
            precondition(indexes.count <= CitizenLogVerifier<SealedLog>.openingsPerRequest)
            return indexes.filter { log.people[$0] == person }.compactMap { log.citizenOpenings[$0] ?? log.log.openings[$0]?.opening }
        }
    }
}
