import CanonicalJSON
import Crypto
import Foundation
import Testing
import TestSupport
@testable import SamtykkeCore

/// The v2 public entry (SPEC §4): its derivations against the README's worked example (computed
/// with Python's hashlib and hmac, not with this code), its one canonical form, and its opening.
@Suite(.sameOnEveryBackend) struct PublicEntryTests {
    static let consent = ConsentID(UUID(uuidString: "0192f0c4-7a1e-7b3c-9d2e-5f6a7b8c9d0e")!)
    static let person = try! PersonID("14830351257")
    static let bank = try! OrgNumber("986352325")
    static let parties = PrivateEntryPart.Parties(consentId: consent, personId: person, bankOrg: bank)
    static let time = Date(timeIntervalSince1970: 1_796_552_130.25)

    /// The `name: value` lines of the README's worked example.
    static func workedExample() throws -> [String: String] {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let marker = try #require(text.range(of: "<!-- worked-example: entry-v2 -->\n```text\n"))
        let block = text[marker.upperBound...].prefix { _ in true }
        let end = try #require(block.range(of: "\n```"))
        var fields: [String: String] = [:]
        for line in block[..<end.lowerBound].split(separator: "\n") {
            let colon = try #require(line.firstIndex(of: ":"))
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }

    @Test func theReadmesWorkedExampleRecomputes() throws {
        let example = try Self.workedExample()
        func value(_ name: String) throws -> String { try #require(example[name], "the example has no \(name)") }
        let index = try #require(UInt64(try value("index")))
        let key = try SubjectKey(base64URL: try value("subject key"), field: "subject key")
        #expect(key.tag(at: index).description == (try value("subject tag")))

        let privateJSON = try JSONDecoder().decode(JSONValue.self, from: Data(try value("private").utf8))
        let part = try PrivateEntryPart(json: privateJSON, type: .consentGranted)
        #expect(String(decoding: try part.canonicalBytes(), as: UTF8.self) == (try value("private")))
        let salt = try EntrySalt(base64URL: try value("salt"), field: "salt")
        let tag = try ConsentTag(base64URL: try value("consent tag"), field: "consent tag")
        let (entry, opening) = try PublicEntry.seal(index: index, time: Self.time, privatePart: part, consent: tag, subjectKey: key, salt: salt)
        #expect(entry.commitment.description == (try value("commitment")))
        #expect(String(decoding: try entry.leafBytes(), as: UTF8.self) == (try value("leaf")))
        let leafHash = SHA256.hash(data: [0] + (try entry.leafBytes())).map { String(format: "%02x", $0) }.joined()
        #expect(leafHash == (try value("leaf hash")))
        #expect(try LogLeaf(leafBytes: Array(try value("leaf").utf8)) == .v2(entry))
        try entry.check(opening, subjectKey: key)
    }

    static func sealed(_ event: LogEvent, key: SubjectKey = SubjectKey.random(), salt: EntrySalt = .random()) throws -> (PublicEntry, EntryOpening) {
        let part = try PrivateEntryPart(actor: .citizen(person), parties: event == .forgotten ? nil : parties, event: event)
        return try PublicEntry.seal(index: 12, time: time, privatePart: part, consent: .random(), subjectKey: key, salt: salt)
    }

    static let requested = LogEvent.requested(LogEvent.RequestedTerms(
        scopes: [.income], years: [2024], purpose: try! Purpose(code: "loan-application", text: "Mortgage"),
        validUntil: time.addingTimeInterval(86_400), maxUses: 2, requestExpiresAt: time.addingTimeInterval(3_600)
    ))

    @Test func aSealedEntryReadsBackAndOpens() throws {
        let key = SubjectKey.random()
        for event in [Self.requested, .bundleRefused(reason: "consent is pending"), .dataRequested(scopes: [.debt], years: [2023]), .forgotten] {
            let (entry, opening) = try Self.sealed(event, key: key)
            #expect(try PublicEntry(leafBytes: try entry.leafBytes()) == entry)
            #expect((entry.terms != nil) == (event.type == .consentRequested))
            try entry.check(opening, subjectKey: key)
            // The opening travels as JSON and reads back to the same value.
            #expect(try EntryOpening(json: opening.json, type: entry.type) == opening)
            // Nothing that names anyone is in the leaf.
            let leaf = String(decoding: try entry.leafBytes(), as: UTF8.self)
            for secret in [Self.person.digits, Self.bank.digits, Self.consent.description, "Mortgage"] {
                #expect(!leaf.contains(secret), "\(leaf)")
            }
        }
    }

    @Test func anOpeningThatDoesNotMatchIsRefusedNamingWhy() throws {
        let key = SubjectKey.random()
        let (entry, opening) = try Self.sealed(Self.requested, key: key)
        func refusal(_ opening: EntryOpening, key: SubjectKey? = nil) -> String? {
            (#expect(throws: DomainError.self) { try entry.check(opening, subjectKey: key) })?.field
        }
        #expect(refusal(EntryOpening(index: opening.index, salt: .random(), privatePart: opening.privatePart)) == "opening")
        let otherPerson = PrivateEntryPart.Parties(consentId: Self.consent, personId: try PersonID("02879423174"), bankOrg: Self.bank)
        let lying = try PrivateEntryPart(actor: .citizen(Self.person), parties: otherPerson, event: Self.requested)
        #expect(refusal(EntryOpening(index: opening.index, salt: opening.salt, privatePart: lying)) == "opening")
        #expect(refusal(EntryOpening(index: 13, salt: opening.salt, privatePart: opening.privatePart)) == "opening.index")
        #expect(refusal(opening, key: .random()) == "entry.subject")
        let refused = try PrivateEntryPart(actor: .citizen(Self.person), parties: Self.parties, event: .bundleRefused(reason: "x"))
        #expect(refusal(EntryOpening(index: opening.index, salt: opening.salt, privatePart: refused)) == "opening.private")
        // Public terms other than those the committed request names.
        let (other, otherOpening) = try Self.sealed(Self.requested)
        let changed = try PublicEntry(
            index: other.index, time: other.time, type: other.type, consent: other.consent, subject: other.subject,
            commitment: other.commitment, terms: PublicEntry.Terms(validUntil: Self.time, maxUses: 100)
        )
        #expect((#expect(throws: DomainError.self) { try changed.check(otherOpening) })?.field == "entry.terms")
    }

    @Test func onlyAForgottenEntryNamesNoOne() {
        #expect(throws: DomainError.self) { try PrivateEntryPart(actor: .system, parties: Self.parties, event: .forgotten) }
        #expect(throws: DomainError.self) { try PrivateEntryPart(actor: .system, parties: nil, event: .bundleRefused(reason: "x")) }
    }

    /// Each edit is something `leafBytes()` never writes; the pass refuses to vouch and the full
    /// parse refuses it, naming the field.
    @Test(arguments: [
        (#""v":2}"#, #""v":3}"#, "entry.v"),
        (#""index":12"#, #""index":12.5"#, "entry.index"),
        (#""type":"bundle.refused""#, #""type":"consent.requested""#, "entry.terms"),
        (#","time""#, #","terms":{"maxUses":1,"validUntil":"2026-12-06T10:15:30.250Z"},"time""#, "entry.terms"),
        (#""commitment":""#, #""commitment":"="#, "entry.commitment"),
        (#","index""#, #","extra":1,"index""#, "entry"),
    ]) func aNoncanonicalV2LeafIsRefused(_ edit: (String, String, String)) throws {
        let (entry, _) = try Self.sealed(.bundleRefused(reason: "x"))
        let original = String(decoding: try entry.leafBytes(), as: UTF8.self)
        #expect(original.contains(edit.0), "\(original)")
        let leaf = Array(original.replacingOccurrences(of: edit.0, with: edit.1).utf8)
        #expect(leaf.withUnsafeBytes { LeafScanner.index(of: $0) } == nil, "\(edit.1)")
        let refusal = #expect(throws: DomainError.self) { try leaf.withUnsafeBytes { try LogLeaf.index(ofLeaf: $0) } }
        #expect(refusal?.field == edit.2, "\(edit.1): \(String(describing: refusal))")
    }

    /// A tag of 16 bytes has 4 bits past its last byte in base64url; set, they would be a second
    /// spelling of the same tag.
    @Test func aTagWithBitsPastItsBytesIsRefused() throws {
        let (entry, _) = try Self.sealed(.bundleRefused(reason: "x"))
        let original = String(decoding: try entry.leafBytes(), as: UTF8.self)
        let tag = entry.consent.description
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let last = try #require(alphabet.firstIndex(of: tag.last!))
        let respelled = String(tag.dropLast()) + String(alphabet[last | 1])
        let leaf = Array(original.replacingOccurrences(of: tag, with: respelled).utf8)
        #expect(leaf.withUnsafeBytes { LeafScanner.index(of: $0) } == nil)
        #expect((#expect(throws: DomainError.self) { try LogLeaf(leafBytes: leaf) })?.field == "entry.consent")
    }

    /// The tagger's HMAC with its keyed blocks hashed once is HMAC-SHA256 as swift-crypto computes it.
    @Test func subjectTagsAreHMACSHA256() {
        for _ in 0..<50 {
            let key = SubjectKey.random()
            let index = UInt64.random(in: 0...UInt64.max)
            var message = Array("samtykke-subject-v2".utf8)
            withUnsafeBytes(of: index.bigEndian) { message += $0 }
            let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key.bytes))
            #expect(key.tag(at: index).bytes == Array(mac.prefix(16)))
        }
    }

}
