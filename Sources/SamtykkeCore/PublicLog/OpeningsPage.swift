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
        var writer = Writer(expecting: items.count)
        for item in items {
            let privateBytes = try item.opening.canonicalPrivateBytes()
            privateBytes.withUnsafeBytes { privateBytes in
                item.opening.salt.bytes.withUnsafeBytes { salt in
                    guard let key = item.subjectKey?.bytes else {
                        return writer.append(index: item.opening.index, canonicalPrivate: privateBytes, salt: salt, subjectKey: nil)
                    }
                    key.withUnsafeBytes { writer.append(index: item.opening.index, canonicalPrivate: privateBytes, salt: salt, subjectKey: $0) }
                }
            }
        }
        return writer.page(next: next)
    }

    /// A page written one opening at a time from the parts a store keeps of it (the salt and the
    /// subject key as their bytes, the private part as its canonical JSON), so that a broker serves
    /// a page of a thousand openings without reading each private part back into values and
    /// writing it again. The bytes are written as they come: the caller vouches
    /// that the private part is canonical.
    public struct Writer: Sendable {
        private var items: [UInt8] = []
        /// Openings written, and the index of the last.
        public private(set) var count = 0
        public private(set) var lastIndex: UInt64?

        public init(expecting openings: Int) {
            items.reserveCapacity(openings * 420)
        }

        public mutating func append(
            index: UInt64, canonicalPrivate: UnsafeRawBufferPointer, salt: UnsafeRawBufferPointer, subjectKey: UnsafeRawBufferPointer?
        ) {
            if count > 0 { items.append(UInt8(ascii: ",")) }
            // Keys in canonical order; every value but the private part is ASCII that needs no escape.
            items += #"{"index":"#.utf8
            items += String(index).utf8
            items += #","private":"#.utf8
            items += canonicalPrivate
            items += #","salt":""#.utf8
            Base64URL.append(salt, to: &items)
            if let subjectKey {
                items += #"","subjectKey":""#.utf8
                Base64URL.append(subjectKey, to: &items)
            }
            items += #""}"#.utf8
            count += 1
            lastIndex = index
        }

        /// The page: the openings written, and where the next page starts.
        public func page(next: Next) -> [UInt8] {
            var output: [UInt8] = []
            output.reserveCapacity(items.count + 48)
            switch next {
            case .absent: output += #"{"openings":["#.utf8
            case .end: output += #"{"next":null,"openings":["#.utf8
            case .at(let index): output += #"{"next":\#(index),"openings":["#.utf8
            }
            output += items
            output += "]}".utf8
            return output
        }
    }
}
