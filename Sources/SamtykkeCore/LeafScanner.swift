import Foundation

/// One pass over a log leaf against the only bytes `AuditEntry.leafBytes()` and
/// `PublicEntry.leafBytes()` write: RFC 8785 of SPEC §4's fixed entries (v1 and v2), their keys in
/// canonical order, no whitespace, each value in its field's form.
///
/// It only ever says "certainly canonical, and this is its index". Whatever it does not handle
/// itself (an escape, non-ASCII outside the purpose text, a negative or long number, a time before
/// 1970) makes it give up and leaves the verdict to `LogLeaf(leafBytes:)`, so it may be fast
/// without being complete. Where the domain has a rule (identity numbers, the purpose, the legal
/// transitions) the scanner asks that rule, on the bytes where they lie.
struct LeafScanner {
    private let bytes: UnsafeRawBufferPointer
    private var at = 0

    /// The index `leaf` states, if it is certainly a canonical entry; nil when not certain.
    static func index(of leaf: UnsafeRawBufferPointer) -> UInt64? {
        var scanner = LeafScanner(bytes: leaf)
        return scanner.entry()
    }

    /// The v2 entry `leaf` is, if it is certainly a canonical one; nil when not certain. What the
    /// scan found is decoded where it lies, without parsing the JSON and writing it again.
    static func publicEntry(of leaf: UnsafeRawBufferPointer) -> PublicEntry? {
        var scanner = LeafScanner(bytes: leaf)
        guard scanner.take(#"{"commitment":"#), let fields = scanner.publicEntry() else { return nil }
        let text = { (range: Range<Int>) in String(decoding: scanner.slice(range), as: UTF8.self) }
        return try? PublicEntry(
            index: fields.index, time: fields.time, type: fields.type,
            consent: ConsentTag(base64URL: text(fields.consent), field: "entry.consent"),
            subject: SubjectTag(base64URL: text(fields.subject), field: "entry.subject"),
            commitment: EntryCommitment(base64URL: text(fields.commitment), field: "entry.commitment"),
            terms: fields.terms
        )
    }

    private init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// What `details` held, to be matched against `type`, which comes after it.
    private enum Details {
        case requested, issued, refused
        case transition(from: ConsentStatus, to: ConsentStatus, uses: Bool)
    }

    private mutating func entry() -> UInt64? {
        take(#"{"commitment":"#) ? publicEntry()?.index : entryV1()
    }

    /// Where a scanned v2 entry keeps its values.
    private struct PublicFields {
        let index: UInt64
        let commitment, consent, subject: Range<Int>
        let terms: PublicEntry.Terms?
        let time: Date
        let type: AuditEntry.EntryType
    }

    /// A v2 public entry (`PublicEntry`): fixed-length base64url values, and `terms` exactly on
    /// `consent.requested`.
    private mutating func publicEntry() -> PublicFields? {
        guard let commitment = base64URL(ofBytes: 32),
            take(#","consent":"#), let consent = base64URL(ofBytes: 16),
            take(#","index":"#), let index = integer(),
            take(#","subject":"#), let subject = base64URL(ofBytes: 16)
        else { return nil }
        var terms: PublicEntry.Terms?
        if take(#","terms":{"maxUses":"#) {
            guard let maxUses = integer(), take(#","validUntil":"#), let validUntil = time(), take("}") else { return nil }
            terms = PublicEntry.Terms(validUntil: validUntil, maxUses: maxUses)
        }
        guard take(#","time":"#), let time = time(),
            take(#","type":"#), let type = word(of: Self.entryTypes), (terms != nil) == (type == .consentRequested),
            take(#","v":2}"#), at == bytes.count
        else { return nil }
        return PublicFields(index: UInt64(index), commitment: commitment, consent: consent, subject: subject, terms: terms, time: time, type: type)
    }

    private mutating func entryV1() -> UInt64? {
        guard take(#"{"actor":{"id":"#), plainString() != nil,
            take(#","kind":"#), word(of: Self.actorKinds) != nil,
            take(#"},"bankOrg":"#), let org = plainString(), (try? OrgNumber.check(slice(org))) != nil,
            take(#","consentId":"#), let consent = plainString(), Self.isLowercaseUUID(slice(consent)),
            take(#","details":"#), let details = details(),
            take(#","index":"#), let index = integer(),
            take(#","personId":"#), let person = plainString(), (try? PersonID.read(slice(person))) != nil,
            take(#","time":"#), time() != nil,
            take(#","type":"#), let type = word(of: Self.entryTypes), Self.matches(type, details),
            take(#","v":1}"#), at == bytes.count
        else { return nil }
        return UInt64(index)
    }

    private mutating func details() -> Details? {
        if take(#"{"maxUses":"#) {
            guard integer() != nil,
                take(#","purpose":{"code":"#), let code = plainString(),
                take(#","text":"#), let text = text(),
                take(#"},"requestExpiresAt":"#), time() != nil,
                take(#","scopes":"#), array(of: { $0.word(of: Self.scopes) != nil }),
                take(#","validUntil":"#), time() != nil,
                take(#","years":"#), array(of: { $0.integer() != nil }), take("}"),
                (try? Purpose(code: String(decoding: slice(code), as: UTF8.self), text: text)) != nil
            else { return nil }
            return .requested
        }
        if take(#"{"from":"#) {
            guard let from = word(of: Self.statuses), take(#","to":"#), let to = word(of: Self.statuses) else { return nil }
            let uses = take(#","uses":"#)
            guard !uses || integer() != nil, take("}") else { return nil }
            return .transition(from: from, to: to, uses: uses)
        }
        if take(#"{"bundleId":"#) {
            guard plainString() != nil,
                take(#","bundleSha256":"#), plainString() != nil,
                take(#","scopes":"#), array(of: { $0.word(of: Self.scopes) != nil }),
                take(#","sourceSha256":"#), plainString() != nil,
                take(#","use":"#), integer() != nil,
                take(#","years":"#), array(of: { $0.integer() != nil }), take("}")
            else { return nil }
            return .issued
        }
        guard take(#"{"reason":"#), plainString() != nil, take("}") else { return nil }
        return .refused
    }

    /// Whether an entry of `type` writes `details` (`LogEvent.init(type:details:)`'s rules).
    private static func matches(_ type: AuditEntry.EntryType, _ details: Details) -> Bool {
        switch (type, details) {
        case (.consentRequested, .requested), (.bundleIssued, .issued), (.bundleRefused, .refused):
            return true
        case (_, .transition(let from, let to, let uses)):
            guard let event = type.transitionEvent else { return false }
            return from.next(on: event) == to && uses == (event == .exhaust)
        default:
            return false
        }
    }

    // MARK: Tokens

    private func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[range])
    }

    /// Consumes `literal` if the bytes at the cursor are exactly it.
    private mutating func take(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - at >= count, memcmp(bytes.baseAddress! + at, literal.utf8Start, count) == 0 else { return false }
        at += count
        return true
    }

    /// A string of printable ASCII without `"` or `\`, which RFC 8785 writes as it is; the range
    /// of its contents.
    private mutating func plainString() -> Range<Int>? {
        guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { return nil }
        let start = at + 1
        var end = start
        // Most of a leaf's bytes are in strings like these (digests of 64 hex digits, ids of 36):
        // printable ASCII but `"` and `\`, told by comparisons alone. Eight bytes at a time while a
        // word has none of the others (`Self.isPlain`), then byte by byte up to the closing quote.
        // (A static table once cost a lazy-initialisation check per byte, and Swift's SIMD16 here
        // ran generic code, six times slower than bytes one by one.)
        while end + 8 <= bytes.count, Self.isPlain(bytes.loadUnaligned(fromByteOffset: end, as: UInt64.self)) {
            end += 8
        }
        while end < bytes.count {
            let byte = bytes[end]
            guard byte &- 0x20 < 0x5F, byte != 0x22, byte != 0x5C else { break }
            end += 1
        }
        guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else { return nil }
        at = end + 1
        return start..<end
    }

    /// Whether all eight bytes of `word` are printable ASCII other than `"` and `\`. The classic
    /// tests of whether any byte is zero (`(v - 0x01…) & ~v & 0x80…`) or below `n` are exact as a
    /// yes or no, so a word they pass has no byte the scalar loop would stop at.
    @inline(__always)
    private static func isPlain(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        func hasZero(_ v: UInt64) -> UInt64 { (v &- ones) & ~v & highs }
        let control = (word &- ones &* 0x20) & ~word & highs
        let quote = hasZero(word ^ (ones &* 0x22)), backslash = hasZero(word ^ (ones &* 0x5C)), delete = hasZero(word ^ (ones &* 0x7F))
        return (control | quote | backslash | delete | (word & highs)) == 0
    }

    /// A string without escapes or controls, any valid UTF-8 otherwise: RFC 8785 writes every other
    /// scalar as it is. For the purpose text, the one field where people write their own language.
    private mutating func text() -> String? {
        guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { return nil }
        let start = at + 1
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\"") {
            guard bytes[end] >= 0x20, bytes[end] != UInt8(ascii: "\\") else { return nil }
            end += 1
        }
        guard end < bytes.count, let text = String(validating: slice(start..<end), as: UTF8.self) else { return nil }
        at = end + 1
        return text
    }

    /// A quoted raw value of `T`, looked up in `Words`, which spells each once.
    private mutating func word<T>(of words: Words<T>) -> T? {
        guard let range = plainString() else { return nil }
        return words.value(spelled: slice(range))
    }

    /// The raw values of an enumeration as bytes, made once: building `allCases` and each `rawValue`
    /// for every field of every leaf was most of what reading a word cost.
    private struct Words<T: Sendable>: Sendable {
        private let spellings: [(bytes: [UInt8], value: T)]

        init(_ values: some Sequence<T>, spelling: (T) -> String) {
            spellings = values.map { (Array(spelling($0).utf8), $0) }
        }

        func value(spelled text: UnsafeRawBufferPointer) -> T? {
            spellings.first { $0.bytes.count == text.count && $0.bytes.withUnsafeBytes { memcmp($0.baseAddress!, text.baseAddress!, text.count) == 0 } }?.value
        }
    }

    private static let actorKinds = Words(AuditEntry.Actor.Kind.allCases, spelling: \.rawValue)
    private static let entryTypes = Words(AuditEntry.EntryType.allCases, spelling: \.rawValue)
    private static let statuses = Words(ConsentStatus.allCases, spelling: \.rawValue)
    private static let scopes = Words(Scope.allCases, spelling: \.rawValue)

    /// `"…"` holding exactly the one base64url spelling (no padding) of `count` bytes: every
    /// character from the alphabet, and the bits past the last byte zero. The range of its contents.
    private mutating func base64URL(ofBytes count: Int) -> Range<Int>? {
        guard let range = plainString(), range.count == (count * 8 + 5) / 6 else { return nil }
        var last: UInt8 = 0
        for byte in slice(range) {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): last = byte - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): last = byte - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): last = byte - UInt8(ascii: "0") + 52
            case UInt8(ascii: "-"): last = 62
            case UInt8(ascii: "_"): last = 63
            default: return nil
            }
        }
        let unusedBits = range.count * 6 - count * 8
        return last & (1 << unusedBits - 1) == 0 ? range : nil
    }

    /// A non-negative integer as ECMAScript prints it (no leading zero), of at most 15 digits, so a
    /// Double holds it exactly as the full parse does.
    private mutating func integer() -> Int? {
        var value = 0
        var digits = 0
        while at < bytes.count, (0x30...0x39).contains(bytes[at]) {
            if digits == 1 && value == 0 { return nil }
            value = value * 10 + Int(bytes[at] - 0x30)
            digits += 1
            at += 1
        }
        return (1...15).contains(digits) ? value : nil
    }

    /// `[]` or `[e,e,…]`, each element consumed by `element`.
    private mutating func array(of element: (inout LeafScanner) -> Bool) -> Bool {
        guard take("[") else { return false }
        if take("]") { return true }
        repeat {
            guard element(&self) else { return false }
        } while take(",")
        return take("]")
    }

    /// `"YYYY-MM-DDTHH:MM:SS.mmmZ"`, the one form `RFC3339.string(from:)` writes, on a day that
    /// exists, from 1970 on; the moment it names.
    private mutating func time() -> Date? {
        let form = Self.timeForm
        guard bytes.count - at >= form.count else { return nil }
        for (offset, expected) in form.enumerated() {
            let byte = bytes[at + offset]
            guard expected == UInt8(ascii: "d") ? (0x30...0x39).contains(byte) : byte == expected else { return nil }
        }
        let (bytes, first) = (bytes, at + 1)
        let number = { (from: Int, count: Int) in (0..<count).reduce(0) { $0 * 10 + Int(bytes[first + from + $1] - 0x30) } }
        let (year, month, day) = (number(0, 4), number(5, 2), number(8, 2))
        let (hour, minute, second) = (number(11, 2), number(14, 2), number(17, 2))
        guard year >= 1970, (1...12).contains(month), (1...RFC3339.days(inMonth: month, of: year)).contains(day),
            hour < 24, minute < 60, second < 60
        else { return nil }
        at += form.count
        // Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let days = era * 146_097 + (yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear) - 719_468
        let milliseconds = ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + number(20, 3)
        return Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// `d` for a digit, every other byte as it must be.
    private static let timeForm = Array(#""dddd-dd-ddTdd:dd:dd.dddZ""#.utf8)

    /// How `ConsentID` prints: 8-4-4-4-12 lowercase hex digits.
    private static func isLowercaseUUID(_ text: UnsafeRawBufferPointer) -> Bool {
        guard text.count == 36 else { return false }
        for (offset, byte) in text.enumerated() {
            let isDash = offset == 8 || offset == 13 || offset == 18 || offset == 23
            guard isDash ? byte == UInt8(ascii: "-") : ((0x30...0x39).contains(byte) || (0x61...0x66).contains(byte)) else { return false }
        }
        return true
    }
}
