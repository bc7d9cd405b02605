import CanonicalJSON
import Foundation
import SeededRandom
import Testing
import TestSupport
@testable import SamtykkeCore

/// Openings read in one pass (issue 27 point 7): the pass must read what the broker writes as the
/// full parse reads it, keep bytes that are exactly the canonical ones the commitment hashes, and
/// never vouch for bytes the full parse refuses or would write differently.
@Suite(.sameOnEveryBackend) struct OpeningScannerTests {
    typealias Shapes = LeafScannerTests

    /// Every private part the broker writes: each v1 shape's event, the v2 types, a bundle that
    /// names its `data.requested` entry.
    static func everyPart() throws -> [PrivateEntryPart] {
        let parties = PrivateEntryPart.Parties(consentId: Shapes.consent, personId: Shapes.person, bankOrg: Shapes.bank)
        let events = try Shapes.everyShape().map(\.event) + [
            .dataRequested(scopes: [.income, .wealth], years: [2023, 2024]),
            .bundleIssued(BundleIssue(
                bundleID: "b", bundleSHA256: String(repeating: "ab", count: 32), scopes: [], years: [], sourceSHA256: "s", use: 1, dataRequested: 77
            )),
        ]
        return try events.map { try PrivateEntryPart(actor: .citizen(Shapes.person), parties: parties, event: $0) }
            + [try PrivateEntryPart(actor: .system, parties: nil, event: .forgotten)]
    }

    /// What the stores and `EntryOpening(json:type:)` read: the JSON parsed, then typed.
    static func fullParse(_ bytes: [UInt8], type: AuditEntry.EntryType) -> PrivateEntryPart? {
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)) else { return nil }
        return try? PrivateEntryPart(json: json, type: type)
    }

    static func scanned(_ bytes: [UInt8]) -> PrivateEntryPart? {
        bytes.withUnsafeBytes { LeafScanner.privatePart(of: $0) }
    }

    @Test func everyPrivatePartTheBrokerWritesIsReadInOnePass() throws {
        for part in try Self.everyPart() {
            let bytes = try part.canonicalBytes()
            #expect(Self.scanned(bytes) == part, "\(String(decoding: bytes, as: UTF8.self))")
            let salt = EntrySalt.random()
            let opening = try #require(EntryOpening.scanned(index: 9, type: part.event.type, salt: salt, privateJSON: bytes))
            #expect(try opening.commitment() == EntryOpening(index: 9, salt: salt, privatePart: part).commitment())
            // Of another type than its details say, it is left to the full parse, which names the fault.
            #expect(EntryOpening.scanned(index: 9, type: part.event.type == .bundleRefused ? .bundleIssued : .bundleRefused, salt: salt, privateJSON: bytes) == nil)
        }
    }

    /// A page as the broker writes it reads back item by item; an opening the pass cannot vouch
    /// for (an escape in a reason) leaves the whole page to the JSON parser.
    @Test func aPageReadsBackAsWritten() throws {
        let items = try Self.everyPart().enumerated().map { offset, part in
            OpeningsPage.Item(opening: EntryOpening(index: UInt64(offset), salt: .random(), privatePart: part), subjectKey: offset % 2 == 0 ? .random() : nil)
        }
        for next in [OpeningsPage.Next.absent, .end, .at(12)] {
            let page = OpeningsPage(items: items, next: next)
            let bytes = try page.json()
            // What the broker wrote before: the same bytes through the canonical serializer.
            var members: [String: JSONValue] = ["openings": .array(items.map { item in
                guard case .object(var object) = item.opening.json else { return .null }
                if let key = item.subjectKey { object["subjectKey"] = .string(key.description) }
                return .object(object)
            })]
            switch next {
            case .absent: break
            case .end: members["next"] = .null
            case .at(let index): members["next"] = .number(Double(index))
            }
            #expect(bytes == (try CanonicalJSON.encode(.object(members))))
            let read = try #require(OpeningsPage.scanned(bytes))
            #expect(read.next == next)
            #expect(read.items.map(\.opening) == items.map(\.opening) && read.items.map(\.subjectKey) == items.map(\.subjectKey))
        }
        let escaped = OpeningsPage(items: [OpeningsPage.Item(opening: EntryOpening(
            index: 1, salt: .random(), privatePart: try PrivateEntryPart(
                actor: .bank(Shapes.bank), parties: .init(consentId: Shapes.consent, personId: Shapes.person, bankOrg: Shapes.bank),
                event: .bundleRefused(reason: #"agency said "no""#)
            )
        ), subjectKey: nil)], next: .end)
        #expect(OpeningsPage.scanned(try escaped.json()) == nil)
    }

    /// Random edits of real private parts: whatever the pass vouches for, the full parse reads as
    /// the same part, and writes back as exactly the bytes the pass kept for the commitment.
    @Test func thePassNeverVouchesForBytesTheFullParseReadsOtherwise() throws {
        let alphabet = Array(#"0123456789abcdefz-:.,"{}[]\ TZ"#.utf8) + [0x00, 0x7F, 0xC3, 0xA5, 0xFF]
        var generator = SeededGenerator(seed: 2027)
        func random(_ bound: Int) -> Int { Int.random(in: 0..<bound, using: &generator) }
        var vouched = 0
        for part in try Self.everyPart() {
            let original = try part.canonicalBytes()
            for _ in 0..<1500 {
                var bytes = original
                for _ in 0...random(2) {
                    let at = random(bytes.count)
                    switch random(4) {
                    case 0: bytes.remove(at: at)
                    case 1: bytes.insert(alphabet[random(alphabet.count)], at: at)
                    default: bytes[at] = alphabet[random(alphabet.count)]
                    }
                }
                guard let read = Self.scanned(bytes) else { continue }
                vouched += 1
                let full = Self.fullParse(bytes, type: read.event.type)
                #expect(full == read, "\(String(decoding: bytes, as: UTF8.self))")
                #expect(try full?.canonicalBytes() == bytes, "\(String(decoding: bytes, as: UTF8.self))")
            }
        }
        #expect(vouched > 1000, "enough edits keep the part canonical to mean something")
    }
}
