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

    public static func check(_ bytes: some Sequence<UInt8>, maxDepth: Int) throws(Flaw) {
        var levels: [Level] = []
        var inString = false
        var escaped = false
        var text: [UInt8] = []
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
                    // key); a key it cannot read, it will refuse itself. Without a backslash that is
                    // the bytes themselves, and a decoder per key was most of the cost of a check.
                    let key: String
                    if text.contains(UInt8(ascii: "\\")) {
                        let quoted = Data([UInt8(ascii: "\"")] + text + [UInt8(ascii: "\"")])
                        guard let decoded = try? JSONDecoder().decode(String.self, from: quoted) else { continue }
                        key = decoded
                    } else {
                        guard let plain = String(validating: text, as: UTF8.self) else { continue }
                        key = plain
                    }
                    guard levels[top].keys!.insert(key).inserted else { throw .repeatedMember(path: levels[top].path + key) }
                    levels[top].key = key
                    continue
                }
                text.append(byte)
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
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
