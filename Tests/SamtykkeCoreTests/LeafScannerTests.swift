import Foundation
import SeededRandom
import Testing
import TestSupport
@testable import SamtykkeCore

/// The one-pass leaf check must never vouch for a leaf the full parse refuses, must vouch for what
/// the broker writes, and must leave everything else to the full parse.
@Suite(.sameOnEveryBackend) struct LeafScannerTests {
    static let consent = ConsentID(UUID(uuidString: "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b")!)
    static let person = try! PersonID("14830351257")
    static let bank = try! OrgNumber("986352325")

    static func entry(_ event: LogEvent, index: UInt64 = 41, time: Date = Date(timeIntervalSince1970: 1_790_000_000.123), actor: AuditEntry.Actor = .bank(bank)) -> AuditEntry {
        AuditEntry(index: index, time: time, actor: actor, consentId: consent, personId: person, bankOrg: bank, event: event)
    }

    static func requested(_ text: String = "Mortgage for a flat in Bergen", years: [Int] = [2023, 2024], scopes: [Scope] = [.income, .debt, .wealth]) throws -> LogEvent {
        let at = Date(timeIntervalSince1970: 1_790_000_000)
        return .requested(LogEvent.RequestedTerms(
            scopes: scopes, years: years, purpose: try Purpose(code: "loan-application", text: text),
            validUntil: at.addingTimeInterval(9 * 86_400), maxUses: 3, requestExpiresAt: at.addingTimeInterval(3 * 86_400)
        ))
    }

    static func transition(_ from: ConsentStatus, _ event: ConsentEvent, uses: Int? = nil) -> LogEvent {
        .transitioned(ConsentTransition(from: from, to: from.next(on: event)!, event: event), uses: uses)
    }

    static let issued = LogEvent.bundleIssued(BundleIssue(
        bundleID: "0b8e5f0e-2f4c-4f7a-9a51-2b8f0c6a7d11", bundleSHA256: String(repeating: "ab", count: 32), scopes: [.income],
        years: [2024], sourceSHA256: String(repeating: "cd", count: 32), use: 2
    ))

    /// One entry of every shape the broker writes.
    static func everyShape() throws -> [AuditEntry] {
        [
            entry(try requested()), entry(try requested("Boliglån på Ålesund, 2 rom 🏠", years: [2020], scopes: [])),
            entry(transition(.pending, .grant), actor: .citizen(person)), entry(transition(.pending, .deny), actor: .citizen(person)),
            entry(transition(.active, .revoke), actor: .citizen(person)), entry(transition(.active, .withdraw)),
            entry(transition(.pending, .expire), actor: .system), entry(transition(.active, .exhaust, uses: 3), actor: .system),
            entry(issued), entry(.bundleRefused(reason: "agency-timeout")), entry(.bundleRefused(reason: "consent is pending"), index: 0),
        ]
    }

    static func leaf(_ entry: AuditEntry) throws -> [UInt8] { try entry.leafBytes() }

    /// Every shape of both versions, as leaves: each v1 shape, and the same events sealed as v2
    /// public entries (with the two types only v2 has).
    static func everyLeaf() throws -> [(leaf: [UInt8], index: UInt64)] {
        let key = SubjectKey.random(), tag = ConsentTag.random()
        let v1 = try everyShape()
        let events = v1.map(\.event) + [.dataRequested(scopes: [.income, .wealth], years: [2023, 2024])]
        let v2 = try events.map { event in
            let part = try PrivateEntryPart(
                actor: .bank(bank), parties: PrivateEntryPart.Parties(consentId: consent, personId: person, bankOrg: bank), event: event
            )
            return try PublicEntry.seal(index: 41, time: Date(timeIntervalSince1970: 1_790_000_000.123), privatePart: part, consent: tag, subjectKey: key).entry
        } + [
            try PublicEntry.seal(
                index: 0, time: Date(timeIntervalSince1970: 1_790_000_000), privatePart: try PrivateEntryPart(actor: .system, parties: nil, event: .forgotten),
                consent: tag, subjectKey: key
            ).entry,
        ]
        return try v1.map { (try leaf($0), $0.index) } + v2.map { (try $0.leafBytes(), $0.index) }
    }

    static func scanned(_ leaf: [UInt8]) -> UInt64? {
        leaf.withUnsafeBytes { LeafScanner.index(of: $0) }
    }

    static func fullParse(_ leaf: [UInt8]) -> UInt64? {
        try? LogLeaf(leafBytes: leaf).index
    }

    @Test func everyShapeTheBrokerWritesIsCheckedInOnePass() throws {
        for (leaf, index) in try Self.everyLeaf() {
            #expect(Self.scanned(leaf) == index, "\(String(decoding: leaf, as: UTF8.self))")
            #expect(Self.fullParse(leaf) == index, "\(String(decoding: leaf, as: UTF8.self))")
        }
        // Times across the years the pass reads, leap days included.
        var random = SeededGenerator(seed: 7)
        for _ in 0..<300 {
            let time = Date(timeIntervalSince1970: Double(UInt64.random(in: 0..<253_402_300_799_000, using: &random)) / 1000)
            let entry = Self.entry(.bundleRefused(reason: "x"), index: .random(in: 0..<1 << 44, using: &random), time: time)
            #expect(Self.scanned(try Self.leaf(entry)) == entry.index, "\(RFC3339.string(from: time))")
        }
        #expect(Self.scanned(try Self.leaf(Self.entry(.bundleRefused(reason: "x"), time: Date(timeIntervalSince1970: 1_709_164_800)))) == 41, "2024-02-29")
    }

    /// A v2 leaf read in one pass is the entry the full parse reads: values, time to the millisecond
    /// (leap days, the years the pass reads), terms.
    @Test func theV2EntryThePassReadsIsTheFullParses() throws {
        var random = SeededGenerator(seed: 11)
        let part = try PrivateEntryPart(actor: .bank(Self.bank), parties: .init(consentId: Self.consent, personId: Self.person, bankOrg: Self.bank), event: try Self.requested())
        for _ in 0..<300 {
            let time = Date(timeIntervalSince1970: Double(UInt64.random(in: 0..<253_402_300_799_000, using: &random)) / 1000)
            let entry = try PublicEntry.seal(index: .random(in: 0..<1 << 44, using: &random), time: time, privatePart: part, consent: .random(), subjectKey: .random()).entry
            let leaf = try entry.leafBytes()
            #expect(leaf.withUnsafeBytes { LeafScanner.publicEntry(of: $0) } == entry, "\(RFC3339.string(from: time))")
            #expect(try leaf.withUnsafeBytes { try PublicEntry.scanned($0) } == PublicEntry(leafBytes: leaf))
        }
    }

    /// Fields the pass does not read itself: the full parse has the last word, and still answers.
    @Test(arguments: [
        #"agency said "no""#, #"back\slash"#, "tab\there", "æøå",
    ]) func aLeafThePassCannotVouchForIsParsedInFull(reason: String) throws {
        let leaf = try Self.leaf(Self.entry(.bundleRefused(reason: reason)))
        #expect(Self.scanned(leaf) == nil)
        #expect(try leaf.withUnsafeBytes { try LogLeaf.index(ofLeaf: $0) } == 41)
    }

    @Test func indexesBeyondFifteenDigitsAreParsedInFull() throws {
        let leaf = try Self.leaf(Self.entry(.bundleRefused(reason: "x"), index: 1_000_000_000_000_000))
        #expect(Self.scanned(leaf) == nil)
        #expect(try leaf.withUnsafeBytes { try LogLeaf.index(ofLeaf: $0) } == 1_000_000_000_000_000)
    }

    /// Each edit makes the leaf something `leafBytes()` never writes: the pass refuses to vouch,
    /// and the full parse refuses the leaf, naming the field the edit broke (a v1 entry that says
    /// it is v2 is read as one, and lacks its consent tag): "entry" when each field
    /// reads well and only the bytes are not the canonical ones; a time that names no real moment
    /// (hour 24, 29 February 2026) is refused as the time it is.
    @Test(arguments: [
        (#","kind":"bank"}"#, #", "kind":"bank"}"#, "entry"), (#""v":1}"#, #""v":3}"#, "entry.v"), (#""v":1}"#, #""v":2}"#, "entry.consent"), (#""v":1}"#, #""v":1} "#, "entry"),
        (#""index":41"#, #""index":041"#, "entry"), (#""index":41"#, #""index":41.0"#, "entry"), (#""index":41"#, #""index":-41"#, "entry.index"),
        ("6f1c2a9e-3b4d", "6F1C2A9E-3B4D", "entry"), ("9c0d1e2f3a4b", #"9c0d1e2f\u0033a4b"#, "entry"),
        (#""reason":"agency-timeout""#, #""reason":"agency-timeout-agency\u002dtimeout""#, "entry"), (#""personId":"14830351257""#, #""personId":"14830351258""#, "personId"),
        (#""bankOrg":"986352325""#, #""bankOrg":"986352326""#, "bankOrg"), (#""kind":"bank""#, #""kind":"banker""#, "entry.actor"),
        ("T14:13:20.123Z", "T24:13:20.123Z", "entry.time"), ("2026-09-21", "2026-02-29", "entry.time"), ("2026-09-21", "2026-09-31", "entry.time"),
        ("20.123Z", "20.12Z", "entry"),
        (#""type":"bundle.refused""#, #""type":"bundle.issued""#, "entry.details.bundleId"),
        (#""type":"bundle.refused""#, #""type":"consent.granted""#, "entry.details.from"),
        (#""reason":"agency-timeout""#, #""reason":"agency-timeout","x":1"#, "entry.details.x"), (#"{"actor""#, #"{"index":41,"actor""#, "entry"),
        // The types only v2 has are no v1 entry's.
        (#""type":"bundle.refused""#, #""type":"consent.forgotten""#, "entry.type"), (#""type":"bundle.refused""#, #""type":"data.requested""#, "entry.type"),
    ]) func aNoncanonicalLeafIsRefused(_ edit: (String, String, String)) throws {
        let original = String(decoding: try Self.leaf(Self.entry(.bundleRefused(reason: "agency-timeout"))), as: UTF8.self)
        #expect(original.contains(edit.0), "\(original)")
        let leaf = Array(original.replacingOccurrences(of: edit.0, with: edit.1).utf8)
        #expect(Self.scanned(leaf) == nil, "\(edit.1)")
        let refusal = #expect(throws: DomainError.self) { try leaf.withUnsafeBytes { try LogLeaf.index(ofLeaf: $0) } }
        #expect(refusal?.code == .invalid && refusal?.field == edit.2, "\(edit.1): \(String(describing: refusal))")
    }

    @Test(arguments: [
        // A transition the state machine does not have, and `uses` where the type has none or lacks it.
        (#""from":"active","to":"revoked""#, #""from":"pending","to":"revoked""#),
        (#""from":"active","to":"revoked""#, #""from":"active","to":"revoked","uses":2"#),
    ]) func aTransitionTheLogCannotRecordIsRefused(_ edit: (String, String)) throws {
        let original = String(decoding: try Self.leaf(Self.entry(Self.transition(.active, .revoke))), as: UTF8.self)
        let leaf = Array(original.replacingOccurrences(of: edit.0, with: edit.1).utf8)
        #expect(Self.scanned(leaf) == nil)
        #expect(Self.fullParse(leaf) == nil)
        let exhausted = String(decoding: try Self.leaf(Self.entry(Self.transition(.active, .exhaust, uses: 3))), as: UTF8.self)
        #expect(Self.scanned(Array(exhausted.replacingOccurrences(of: #","uses":3"#, with: "").utf8)) == nil)
    }

    @Test(arguments: ["   ", "a\u{202E}b", String(repeating: "x", count: 501), "x\u{0}"])
    func aPurposeTheRulesRefuseIsRefused(text: String) throws {
        let original = String(decoding: try Self.leaf(Self.entry(try Self.requested("PLACEHOLDER"))), as: UTF8.self)
        let escaped = String(decoding: try JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes]), as: UTF8.self).dropFirst(2).dropLast(2)
        let leaf = Array(original.replacingOccurrences(of: "PLACEHOLDER", with: escaped).utf8)
        #expect(Self.scanned(leaf) == nil)
        #expect(Self.fullParse(leaf) == nil)
    }

    /// Random edits of real leaves: whatever the pass vouches for, the full parse accepts, with the
    /// same index. Most edits break the leaf; those that do not (a digit of a hash, a time, an
    /// index) are exactly where a lax pass would slip.
    @Test func thePassNeverVouchesForALeafTheFullParseRefuses() throws {
        let alphabet = Array(#"0123456789abcdefz-:.,"{}[]\ TZ"#.utf8) + [0x00, 0x7F, 0xC3, 0xA5, 0xFF]
        var generator = SeededGenerator(seed: 2026)
        func random(_ bound: Int) -> Int { Int.random(in: 0..<bound, using: &generator) }
        var vouched = 0
        for (original, _) in try Self.everyLeaf() {
            for _ in 0..<1500 {
                var leaf = original
                for _ in 0...random(2) {
                    let at = random(leaf.count)
                    switch random(4) {
                    case 0: leaf.remove(at: at)
                    case 1: leaf.insert(alphabet[random(alphabet.count)], at: at)
                    default: leaf[at] = alphabet[random(alphabet.count)]
                    }
                }
                if let entry = leaf.withUnsafeBytes({ LeafScanner.publicEntry(of: $0) }) {
                    #expect((try? PublicEntry(leafBytes: leaf)) == entry, "\(String(decoding: leaf, as: UTF8.self))")
                }
                guard let index = Self.scanned(leaf) else { continue }
                vouched += 1
                #expect(Self.fullParse(leaf) == index, "\(String(decoding: leaf, as: UTF8.self))")
            }
        }
        #expect(vouched > 1000, "enough edits keep the leaf canonical to mean something")
    }
}
