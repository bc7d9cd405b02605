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
        return try? PublicEntry(
            index: fields.index, time: fields.time, type: fields.type, consent: fields.consent, subject: fields.subject,
            commitment: fields.commitment, terms: fields.terms
        )
    }

    private init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Whether the times in `details` are read as `RFC3339.date(from:)` reads them, to the last
    /// bit of the `Date`, not only to the millisecond: a private part read here must equal the
    /// full parse's (a leaf's index needs neither).
    private var readsExactTimes = false

    /// A time in `details`.
    private mutating func detailsTime() -> Date? {
        let start = at
        guard let time = time() else { return nil }
        guard readsExactTimes else { return time }
        let text = slice(start + 1..<at - 1)
        return RFC3339.writtenForm(text) ?? RFC3339.date(from: String(decoding: text, as: UTF8.self))
    }

    /// What `details` held, to be matched against `type`, which comes after it in a v1 leaf.
    enum Details {
        case requested(LogEvent.RequestedTerms)
        case issued(BundleIssue)
        case refused(reason: String)
        case transition(from: ConsentStatus, to: ConsentStatus, uses: Int?)
        case dataRequested(scopes: [Scope], years: [Int])
        /// `{}`: `consent.forgotten`'s, v2 only.
        case none
    }

    private mutating func entry() -> UInt64? {
        take(#"{"commitment":"#) ? publicEntry()?.index : entryV1()
    }

    /// Where a scanned v2 entry keeps its values.
    private struct PublicFields {
        let index: UInt64
        let commitment: EntryCommitment
        let consent: ConsentTag
        let subject: SubjectTag
        let terms: PublicEntry.Terms?
        let time: Date
        let type: AuditEntry.EntryType
    }

    /// A v2 public entry (`PublicEntry`): fixed-length base64url values, and `terms` exactly on
    /// `consent.requested`.
    private mutating func publicEntry() -> PublicFields? {
        guard let commitment = logBytes(EntryCommitment.self),
            take(#","consent":"#), let consent = logBytes(ConsentTag.self),
            take(#","index":"#), let index = integer(),
            take(#","subject":"#), let subject = logBytes(SubjectTag.self)
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
            take(#","consentId":"#), let consent = plainString(), Self.lowercaseUUID(slice(consent)) != nil,
            take(#","details":"#), let details = details(),
            take(#","index":"#), let index = integer(),
            take(#","personId":"#), let person = plainString(), (try? PersonID.read(slice(person))) != nil,
            take(#","time":"#), time() != nil,
            take(#","type":"#), let type = word(of: Self.entryTypes), type.existsInV1, Self.event(type, details) != nil,
            take(#","v":1}"#), at == bytes.count
        else { return nil }
        return UInt64(index)
    }

    private mutating func details() -> Details? {
        if take(#"{"maxUses":"#) {
            guard let maxUses = integer(),
                take(#","purpose":{"code":"#), let code = plainString(),
                take(#","text":"#), let text = text(),
                take(#"},"requestExpiresAt":"#), let requestExpiresAt = detailsTime(),
                take(#","scopes":"#), let scopes = scopes(),
                take(#","validUntil":"#), let validUntil = detailsTime(),
                take(#","years":"#), let years = integers(), take("}"),
                let purpose = try? Purpose(code: String(decoding: slice(code), as: UTF8.self), text: text)
            else { return nil }
            return .requested(LogEvent.RequestedTerms(
                scopes: scopes, years: years, purpose: purpose, validUntil: validUntil, maxUses: maxUses, requestExpiresAt: requestExpiresAt
            ))
        }
        if take(#"{"from":"#) {
            guard let from = word(of: Self.statuses), take(#","to":"#), let to = word(of: Self.statuses) else { return nil }
            var uses: Int?
            if take(#","uses":"#) {
                guard let count = integer() else { return nil }
                uses = count
            }
            guard take("}") else { return nil }
            return .transition(from: from, to: to, uses: uses)
        }
        if take(#"{"bundleId":"#) {
            guard let id = plainString(),
                take(#","bundleSha256":"#), let digest = plainString()
            else { return nil }
            var dataRequested: Int?
            if take(#","dataRequested":"#) {
                guard let index = integer() else { return nil }
                dataRequested = index
            }
            guard take(#","scopes":"#), let scopes = scopes(),
                take(#","sourceSha256":"#), let source = plainString(),
                take(#","use":"#), let use = integer(),
                take(#","years":"#), let years = integers(), take("}")
            else { return nil }
            return .issued(BundleIssue(
                bundleID: string(id), bundleSHA256: string(digest), scopes: scopes, years: years, sourceSHA256: string(source), use: use,
                dataRequested: dataRequested
            ))
        }
        if take(#"{"scopes":"#) {
            guard let scopes = scopes(), take(#","years":"#), let years = integers(), take("}") else { return nil }
            return .dataRequested(scopes: scopes, years: years)
        }
        if take("{}") { return Details.none }
        guard take(#"{"reason":"#), let reason = plainString(), take("}") else { return nil }
        return .refused(reason: string(reason))
    }

    /// The event an entry of `type` with `details` records, when `LogEvent.init(type:details:)`
    /// would read it so.
    static func event(_ type: AuditEntry.EntryType, _ details: Details) -> LogEvent? {
        switch (type, details) {
        case (.consentRequested, .requested(let terms)): return .requested(terms)
        case (.bundleIssued, .issued(let issue)): return .bundleIssued(issue)
        case (.bundleRefused, .refused(let reason)): return .bundleRefused(reason: reason)
        case (.dataRequested, .dataRequested(let scopes, let years)): return .dataRequested(scopes: scopes, years: years)
        case (.consentForgotten, .none): return .forgotten
        case (_, .transition(let from, let to, let uses)):
            guard let event = type.transitionEvent, from.next(on: event) == to, (uses != nil) == (event == .exhaust) else { return nil }
            return .transitioned(ConsentTransition(from: from, to: to, event: event), uses: uses)
        default:
            return nil
        }
    }

    // MARK: Openings

    /// A v2 entry's private part (`PrivateEntryPart`) if `bytes` are certainly its canonical form;
    /// it is of the one entry type its details can record.
    static func privatePart(of bytes: UnsafeRawBufferPointer) -> PrivateEntryPart? {
        var scanner = LeafScanner(bytes: bytes)
        guard let part = scanner.privatePart(), scanner.at == bytes.count else { return nil }
        return part
    }

    /// `{"actor":{"id":…,"kind":…},"bankOrg":…,"consentId":…,"details":{…},"personId":…}`, or
    /// `{"actor":{…},"details":{}}` on `consent.forgotten`, which names no one.
    private mutating func privatePart() -> PrivateEntryPart? {
        guard take(#"{"actor":{"id":"#), let id = plainString(), take(#","kind":"#), let kind = word(of: Self.actorKinds), take("}") else {
            return nil
        }
        let actor = AuditEntry.Actor(kind: kind, id: string(id))
        readsExactTimes = true
        if take(#","details":{}}"#) { return try? PrivateEntryPart(actor: actor, parties: nil, event: .forgotten) }
        guard take(#","bankOrg":"#), let org = plainString(), let bankOrg = try? OrgNumber(string(org)),
            take(#","consentId":"#), let consent = plainString(), let uuid = Self.lowercaseUUID(slice(consent)),
            take(#","details":"#), let details = details(), let event = Self.event(details),
            take(#","personId":"#), let person = plainString(), let personId = try? PersonID(string(person)),
            take("}")
        else { return nil }
        return try? PrivateEntryPart(actor: actor, parties: .init(consentId: ConsentID(uuid), personId: personId, bankOrg: bankOrg), event: event)
    }

    /// The event of the one entry type `details` can record: a transition's is told by its two
    /// statuses (`ConsentStatus.next(on:)` leads from one status to another through one event only).
    private static func event(_ details: Details) -> LogEvent? {
        let type: AuditEntry.EntryType? = switch details {
        case .requested: .consentRequested
        case .issued: .bundleIssued
        case .refused: .bundleRefused
        case .dataRequested: .dataRequested
        case .none: .consentForgotten
        case .transition(let from, let to, _): ConsentEvent.allCases.first { from.next(on: $0) == to }.map(AuditEntry.EntryType.init(event:))
        }
        return type.flatMap { event($0, details) }
    }

    /// An opening as the broker serves it (SPEC §4), certainly canonical: `{"index":…,"private":{…},"salt":…}`,
    /// or for auditors with `"subjectKey":…` last. The private part keeps the bytes it was read from.
    private mutating func opening() -> (opening: EntryOpening, subjectKey: SubjectKey?)? {
        guard take(#"{"index":"#), let index = integer(), take(#","private":"#) else { return nil }
        let start = at
        guard let part = privatePart() else { return nil }
        let privateBytes = Array(slice(start..<at))
        guard take(#","salt":"#), let salt = logBytes(EntrySalt.self) else { return nil }
        var subjectKey: SubjectKey?
        if take(#","subjectKey":"#) {
            guard let key = logBytes(SubjectKey.self) else { return nil }
            subjectKey = key
        }
        guard take("}") else { return nil }
        return (EntryOpening(index: UInt64(index), salt: salt, privatePart: part, canonicalPrivate: privateBytes), subjectKey)
    }

    /// A page of openings as the broker writes it (`OpeningsPage`), if it certainly is one.
    static func openingsPage(_ bytes: UnsafeRawBufferPointer) -> OpeningsPage? {
        var scanner = LeafScanner(bytes: bytes)
        var next: OpeningsPage.Next = .absent
        if scanner.take(#"{"next":"#) {
            if scanner.take("null") {
                next = .end
            } else {
                guard let index = scanner.integer() else { return nil }
                next = .at(UInt64(index))
            }
            guard scanner.take(#","openings":"#) else { return nil }
        } else {
            guard scanner.take(#"{"openings":"#) else { return nil }
        }
        var items: [OpeningsPage.Item] = []
        guard scanner.array(of: { scanner in
            guard let (opening, key) = scanner.opening() else { return false }
            items.append(OpeningsPage.Item(opening: opening, subjectKey: key))
            return true
        }), scanner.take("}"), scanner.at == bytes.count else { return nil }
        return OpeningsPage(items: items, next: next)
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

    /// `"…"` holding exactly the one base64url spelling (no padding) of a `T`, decoded where it lies.
    private mutating func logBytes<T>(_: LogBytes<T>.Type) -> LogBytes<T>? {
        guard let range = plainString() else { return nil }
        return LogBytes<T>(base64URL: slice(range))
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

    private func string(_ range: Range<Int>) -> String {
        String(decoding: slice(range), as: UTF8.self)
    }

    private mutating func scopes() -> [Scope]? {
        var scopes: [Scope] = []
        guard array(of: { scanner in
            guard let scope = scanner.word(of: Self.scopes) else { return false }
            scopes.append(scope)
            return true
        }) else { return nil }
        return scopes
    }

    private mutating func integers() -> [Int]? {
        var integers: [Int] = []
        guard array(of: { scanner in
            guard let integer = scanner.integer() else { return false }
            integers.append(integer)
            return true
        }) else { return nil }
        return integers
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
        let quote = UInt8(ascii: "\""), length = 26
        guard bytes.count - at >= length, bytes[at] == quote, bytes[at + length - 2] == UInt8(ascii: "Z"), bytes[at + length - 1] == quote,
            let moment = UTCDigits.read(bytes, from: at + 1, separator: UInt8(ascii: "T"), fraction: true), moment.year >= 1970
        else { return nil }
        at += length
        let milliseconds = (moment.daysSince1970 * 86_400 + moment.secondOfDay) * 1000 + moment.millisecond
        return Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// The UUID `text` spells the way `ConsentID` prints: 8-4-4-4-12 lowercase hex digits; nil for
    /// any other spelling. Decoded here, where the digits are checked anyway: `UUID(uuidString:)`
    /// goes through `sscanf`, once per entry of the log.
    private static func lowercaseUUID(_ text: UnsafeRawBufferPointer) -> UUID? {
        guard text.count == 36 else { return nil }
        var high: UInt64 = 0, low: UInt64 = 0
        var digits = 0
        for (offset, byte) in text.enumerated() {
            if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            let value: UInt8
            switch byte {
            case 0x30...0x39: value = byte &- 0x30
            case 0x61...0x66: value = byte &- 0x61 &+ 10
            default: return nil
            }
            if digits < 16 { high = high << 4 | UInt64(value) } else { low = low << 4 | UInt64(value) }
            digits += 1
        }
        return UUID(high: high, low: low)
    }
}
