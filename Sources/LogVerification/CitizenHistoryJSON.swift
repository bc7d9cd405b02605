import Foundation
import SamtykkeCore

/// A citizen's verified history as JSON, written and read without `Codable`: every run reads the
/// whole history from its file and `--json` prints all of it, and through `JSONEncoder`/`JSONDecoder`
/// (their ISO 8601 dates above all) that cost a second run far more than verifying what was new
/// (issue 27 point 7). The bytes are the JSON the encoders wrote, keys sorted, only without line
/// breaks; anything in another form (a string with an escape, an older state file) is read by
/// `JSONDecoder`.
enum CitizenHistoryJSON {
    /// How a time is written: the state file's ISO 8601 in whole seconds (`.iso8601`), `--json`'s
    /// seconds since 2001 (`JSONEncoder`'s default).
    enum Time {
        case iso8601
        case referenceSeconds
    }

    /// `[e,e,…]`, each entry an object with its keys sorted and its nil members left out.
    static func write(_ entries: [CitizenLogEntry], time form: Time, into output: inout [UInt8]) {
        output.reserveCapacity(output.count + entries.count * 320)
        output.append(UInt8(ascii: "["))
        for (position, entry) in entries.enumerated() {
            if position > 0 { output.append(UInt8(ascii: ",")) }
            var first = true
            func key(_ name: StaticString) {
                output.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
                first = false
                output.append(UInt8(ascii: "\""))
                output.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
                output.append(contentsOf: #"":"#.utf8)
            }
            if let actor = entry.actor {
                key("actor")
                output.append(contentsOf: #"{"id":"#.utf8)
                string(actor.id, into: &output)
                output.append(contentsOf: #","kind":"#.utf8)
                string(actor.kind.rawValue, into: &output)
                output.append(UInt8(ascii: "}"))
            }
            if let bank = entry.bankOrg { key("bankOrg"); string(bank, into: &output) }
            if let consent = entry.consentId { key("consentId"); string(consent, into: &output) }
            key("consentTag"); string(entry.consentTag, into: &output)
            if let forgotten = entry.forgottenAt { key("forgottenAt"); output.append(contentsOf: String(forgotten).utf8) }
            key("index"); output.append(contentsOf: String(entry.index).utf8)
            if let scopes = entry.scopes {
                key("scopes")
                output.append(UInt8(ascii: "["))
                for (at, scope) in scopes.enumerated() {
                    if at > 0 { output.append(UInt8(ascii: ",")) }
                    string(scope.rawValue, into: &output)
                }
                output.append(UInt8(ascii: "]"))
            }
            key("time")
            switch form {
            case .iso8601: string(UTCDigits.wholeSeconds(entry.time), into: &output)
            case .referenceSeconds: output.append(contentsOf: "\(entry.time.timeIntervalSinceReferenceDate)".utf8)
            }
            key("type"); string(entry.type.rawValue, into: &output)
            if let years = entry.years {
                key("years")
                output.append(contentsOf: "[\(years.map(String.init).joined(separator: ","))]".utf8)
            }
            output.append(UInt8(ascii: "}"))
        }
        output.append(UInt8(ascii: "]"))
    }

    /// A JSON string: `"`, `\` and controls escaped, everything else as it is.
    private static func string(_ text: String, into output: inout [UInt8]) {
        var text = text
        // A native string's bytes in place: `String.UTF8View`'s generic iteration, once to look for
        // an escape and again to copy, was a fifth of a second run over a long history.
        text.withUTF8 { bytes in
            output.append(UInt8(ascii: "\""))
            // Nearly every value needs no escape, and is copied whole rather than byte by byte: a
            // citizen's history runs to tens of thousands of entries.
            guard bytes.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }) else {
                output.append(contentsOf: bytes)
                output.append(UInt8(ascii: "\""))
                return
            }
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): output += [UInt8(ascii: "\\"), byte]
                case ..<0x20: output.append(contentsOf: String(format: "\\u%04x", byte).utf8)
                default: output.append(byte)
                }
            }
            output.append(UInt8(ascii: "\""))
        }
    }

    /// The entries `write(_:time: .iso8601, into:)` wrote, from `bytes[at...]` up to and past the
    /// closing `]`; nil for anything else (the caller then reads the file with `JSONDecoder`).
    static func read(_ bytes: [UInt8], at: inout Int) -> [CitizenLogEntry]? {
        var reader = Reader(bytes: bytes, at: at)
        guard let entries = reader.entries() else { return nil }
        at = reader.at
        return entries
    }

    private struct Reader {
        let bytes: [UInt8]
        var at: Int

        mutating func take(_ literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard bytes.count - at >= count, bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress! + at, literal.utf8Start, count) == 0 }) else {
                return false
            }
            at += count
            return true
        }

        /// A string without escapes (what has one is left to the decoder), valid UTF-8.
        mutating func string() -> String? {
            guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { return nil }
            var end = at + 1
            var ascii = true
            while end < bytes.count, bytes[end] != UInt8(ascii: "\"") {
                guard bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 else { return nil }
                if bytes[end] >= 0x80 { ascii = false }
                end += 1
            }
            let start = at + 1
            guard end < bytes.count else { return nil }
            // ASCII, which nearly every value is, is valid UTF-8 as it stands: decoding it cannot
            // change it, and skips the generic validation that was a tenth of a second run.
            let text = bytes.withUnsafeBufferPointer { buffer in
                let value = UnsafeBufferPointer(rebasing: buffer[start..<end])
                return ascii ? String(decoding: value, as: UTF8.self) : String(validating: value, as: UTF8.self)
            }
            guard let text else { return nil }
            at = end + 1
            return text
        }

        mutating func integer() -> Int? {
            let start = at
            while at < bytes.count, (0x30...0x39).contains(bytes[at]) { at += 1 }
            guard at > start, at - start <= 18 else { return nil }
            return Int(String(decoding: bytes[start..<at], as: UTF8.self))
        }

        mutating func list<T>(_ element: (inout Reader) -> T?) -> [T]? {
            guard take("[") else { return nil }
            var items: [T] = []
            if take("]") { return items }
            repeat {
                guard let item = element(&self) else { return nil }
                items.append(item)
            } while take(",")
            return take("]") ? items : nil
        }

        mutating func entries() -> [CitizenLogEntry]? {
            list { $0.entry() }
        }

        mutating func entry() -> CitizenLogEntry? {
            guard take("{") else { return nil }
            var actor: AuditEntry.Actor?
            if take(#""actor":{"id":"#) {
                guard let id = string(), take(#","kind":"#), let kindText = string(), let kind = AuditEntry.Actor.Kind(rawValue: kindText),
                    take("},")
                else { return nil }
                actor = AuditEntry.Actor(kind: kind, id: id)
            }
            var bankOrg: String?, consentId: String?, forgottenAt: UInt64?, scopes: [Scope]?, years: [Int]?
            if take(#""bankOrg":"#) { guard let value = string(), take(",") else { return nil }; bankOrg = value }
            if take(#""consentId":"#) { guard let value = string(), take(",") else { return nil }; consentId = value }
            guard take(#""consentTag":"#), let consentTag = string(), take(",") else { return nil }
            if take(#""forgottenAt":"#) { guard let value = integer(), take(",") else { return nil }; forgottenAt = UInt64(value) }
            guard take(#""index":"#), let index = integer(), take(",") else { return nil }
            if take(#""scopes":"#) {
                guard let value = list({ $0.string().flatMap(Scope.init(rawValue:)) }), take(",") else { return nil }
                scopes = value
            }
            guard take(#""time":"#), let timeText = string(), let time = Self.time(timeText),
                take(#","type":"#), let typeText = string(), let type = AuditEntry.EntryType(rawValue: typeText)
            else { return nil }
            if take(#","years":"#) {
                guard let value = list({ $0.integer() }) else { return nil }
                years = value
            }
            guard take("}") else { return nil }
            return CitizenLogEntry(
                index: UInt64(index), time: time, type: type, consentTag: consentTag, consentId: consentId, bankOrg: bankOrg, actor: actor,
                scopes: scopes, years: years, forgottenAt: forgottenAt
            )
        }

        /// What `UTCDigits.wholeSeconds(_:)` writes, back to its moment; nil for any other spelling.
        static func time(_ text: String) -> Date? {
            var text = text
            return text.withUTF8 { utf8 in
                let bytes = UnsafeRawBufferPointer(utf8)
                guard bytes.count == 20, bytes[19] == UInt8(ascii: "Z"),
                    let moment = UTCDigits.read(bytes, from: 0, separator: UInt8(ascii: "T"), fraction: false)
                else { return nil }
                return Date(timeIntervalSince1970: Double(moment.daysSince1970 * 86_400 + moment.secondOfDay))
            }
        }
    }
}

extension CitizenLogEntry {
    /// `entries` as `JSONEncoder` writes them with its default strategies (times as seconds since
    /// 2001), keys sorted, on one line: what `consent log --verify --json` prints, every run, for
    /// the whole history.
    public static func json(_ entries: [CitizenLogEntry]) -> [UInt8] {
        var output: [UInt8] = []
        CitizenHistoryJSON.write(entries, time: .referenceSeconds, into: &output)
        return output
    }
}
