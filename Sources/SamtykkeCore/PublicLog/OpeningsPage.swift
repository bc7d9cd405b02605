import CanonicalJSON

/// A page of openings as the broker serves it (SPEC §4): `{"next":…,"openings":[…]}` to auditors,
/// each opening with the subject key of the person it names, `{"openings":[…]}` to a citizen. Both
/// are RFC 8785 canonical JSON.
///
/// An auditor's verification reads every opening of the log, a million pages' worth of JSON, so
/// both sides take a short cut that changes no byte and no verdict: the broker writes each
/// private part as the canonical bytes it stored (when they certainly are), and a verifier reads a
/// page in one pass over its bytes when it is certainly in this form, keeping each private part's
/// bytes for its commitment. Anything else is written and read the long way.
public struct OpeningsPage: Sendable {
    public struct Item: Sendable {
        public let opening: EntryOpening
        /// Auditor pages only: the key the entry's subject tag was made with, while there is one.
        public let subjectKey: SubjectKey?

        public init(opening: EntryOpening, subjectKey: SubjectKey?) {
            self.opening = opening
            self.subjectKey = subjectKey
        }
    }

    /// Where the next page starts: auditor pages say, `end` when there is none; a citizen's do not.
    public enum Next: Sendable, Hashable {
        case absent
        case end
        case at(UInt64)
    }

    public let items: [Item]
    public let next: Next

    public init(items: [Item], next: Next) {
        self.items = items
        self.next = next
    }

    /// The page `bytes` hold, if they are certainly a canonical page as `json()` writes it; nil
    /// when not certain (the caller then reads them as JSON).
    public static func scanned(_ bytes: [UInt8]) -> OpeningsPage? {
        bytes.withUnsafeBytes { LeafScanner.openingsPage($0) }
    }

    /// The canonical JSON of the page.
    public func json() throws -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(64 + items.count * 420)
        switch next {
        case .absent: output += Array(#"{"openings":["#.utf8)
        case .end: output += Array(#"{"next":null,"openings":["#.utf8)
        case .at(let index): output += Array(#"{"next":\#(index),"openings":["#.utf8)
        }
        for (position, item) in items.enumerated() {
            if position > 0 { output.append(UInt8(ascii: ",")) }
            // Keys in canonical order; every value but the private part is ASCII that needs no escape.
            output += Array(#"{"index":\#(item.opening.index),"private":"#.utf8)
            output += try item.opening.canonicalPrivateBytes()
            output += Array(#","salt":"\#(item.opening.salt)""#.utf8)
            if let key = item.subjectKey { output += Array(#","subjectKey":"\#(key)""#.utf8) }
            output.append(UInt8(ascii: "}"))
        }
        output += Array("]}".utf8)
        return output
    }
}
