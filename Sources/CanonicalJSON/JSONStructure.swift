#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Checks JSON text for what decoders disagree on or choke on, before any decoder sees it: a
/// member given twice in one object (RFC 8259 §4 leaves open which one wins, so whatever checked a
/// document and whatever acts on it could read different ones: a request body, a token's claims)
/// and nesting deeper than a bound (decoders recurse once per level). Not a validator: malformed
/// text is left to the decoder.
public enum JSONStructure {
    public enum Flaw: Error, Equatable, Sendable, CustomStringConvertible {
        /// `path` names the member: `purpose.code`, `years[1].x`, or a top-level `pid`.
        case repeatedMember(path: String)
        case tooDeep(limit: Int)

        public var description: String {
            switch self {
            case .repeatedMember(let path): "the member \(path) is given more than once"
            case .tooDeep(let limit): "it is nested deeper than \(limit) levels"
            }
        }
    }

    /// A member name's text (between its quotes) as a string, or nil where a decoder refuses it.
    /// Without escapes, valid UTF-8 without control characters is its own value, and the decoder (the
    /// slow part of a check) is needed only for the rest.
    static func key(_ text: [UInt8]) -> String? {
        if text.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\\") }) {
            let plain = String(decoding: text, as: UTF8.self)
            // Decoding repairs invalid UTF-8; what it repaired, the decoder would refuse.
            if plain.utf8.elementsEqual(text) { return plain }
        }
        return try? JSONDecoder().decode(String.self, from: Data([UInt8(ascii: "\"")] + text + [UInt8(ascii: "\"")]))
    }

    public static func check(_ bytes: some Sequence<UInt8>, maxDepth: Int) throws(Flaw) {
        try check(Array(bytes), maxDepth: maxDepth)
    }

    /// The same over an array: a generic walk called from another module goes through the
    /// sequence's witnesses for every byte, which cost more than the check.
    public static func check(_ bytes: [UInt8], maxDepth: Int) throws(Flaw) {
        var levels: [Level] = []
        var inString = false
        var escaped = false
        var text: [UInt8] = []
        // Whether the string being read is a member name: only those are kept, since a value's
        // text is never looked at and a consent token's log proof is kilobytes of it.
        var isKey = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    guard let top = levels.indices.last, levels[top].keys != nil, levels[top].expectingKey else { continue }
                    levels[top].expectingKey = false
                    // The key as the decoder will see it, escapes resolved ("a" and "\u0061" are one
                    // key); a key it cannot read, it will refuse itself.
                    guard let key = Self.key(text) else { continue }
                    guard levels[top].keys!.insert(key).inserted else { throw .repeatedMember(path: levels[top].path + key) }
                    levels[top].key = key
                    continue
                }
                if isKey { text.append(byte) }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                isKey = levels.last.map { $0.keys != nil && $0.expectingKey } ?? false
                text.removeAll(keepingCapacity: true)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let path = levels.last?.child ?? ""
                levels.append(Level(path: path, keys: byte == UInt8(ascii: "{") ? [] : nil, expectingKey: byte == UInt8(ascii: "{")))
                guard levels.count <= maxDepth else { throw .tooDeep(limit: maxDepth) }
            case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = levels.popLast()
            case UInt8(ascii: ","):
                guard let top = levels.indices.last else { continue }
                levels[top].index += 1
                levels[top].expectingKey = levels[top].keys != nil
            default: break
            }
        }
    }
}

/// One open array or object; an object keeps its keys so far, and whether the next string
/// is a key (after `{` or `,`) or a value (after `:`).
private struct Level {
    let path: String
    var keys: Set<String>?
    var expectingKey: Bool
    var index = 0
    var key = ""

    /// Where a value one level down sits: `purpose.` for a member, `years[1].` for an item.
    var child: String { keys == nil ? "\(path.dropLast())[\(index)]." : path + key + "." }
}
