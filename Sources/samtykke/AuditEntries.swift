import ArgumentParser
import CanonicalJSON
import Foundation
import SamtykkeCore

extension AuditCommand {
    struct Entries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List log entries: index, time, type, actor, consent and a summary.",
            discussion: "Listing checks nothing; `samtykke audit verify` does. --json prints each entry's exact bytes (base64) and its JSON."
        )

        @OptionGroup var connection: AuditConnection
        @Option(help: "The first index to list.")
        var start: Int?
        @Option(help: "List at most this many entries (default: all).")
        var limit: Int?
        @Option(help: "Only entries about this consent.")
        var consentId: String?
        @Option(help: "Only entries about this person (national identity number).")
        var personId: String?
        @Option(help: "Only entries about this bank (organisation number).")
        var bankOrg: String?

        /// One line of --json output.
        struct Item: Encodable {
            let index: UInt64
            /// The exact leaf bytes, base64, as the broker served them.
            let entry: String
            /// The same bytes as JSON, nil when they are not JSON at all.
            let json: JSONValue?
        }

        func run() async throws {
            try await reportingErrors {
                let source = AuditLogSource(client: try connection.auditorClient())
                var filters = ""
                for (name, value) in [("consentId", Env.value("consent-id", consentId)), ("personId", Env.value("person-id", personId)),
                                      ("bankOrg", Env.value("bank-org", bankOrg))] {
                    guard let value else { continue }
                    filters += "&\(name)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value)"
                }
                let first = try Env.integer("start", start, default: 0)
                let maximum = try Env.integer("limit", limit, default: Int.max)
                guard first >= 0, maximum >= 0 else { throw ValidationError("--start and --limit must not be negative") }

                var next = UInt64(first)
                var listed = 0
                var firstItem = true
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                if connection.json { print("{\"entries\":[", terminator: "") }
                while listed < maximum {
                    let wanted = min(1000, maximum - listed)
                    let page = try await source.entries(query: "start=\(next)&limit=\(wanted)\(filters)")
                    for served in page {
                        if connection.json {
                            let item = Item(index: served.index, entry: Data(served.leaf).base64EncodedString(),
                                            json: try? JSONDecoder().decode(JSONValue.self, from: Data(served.leaf)))
                            print((firstItem ? "\n" : ",\n") + String(decoding: try encoder.encode(item), as: UTF8.self), terminator: "")
                            firstItem = false
                        } else {
                            print(Self.line(served.index, served.leaf))
                        }
                    }
                    listed += page.count
                    guard page.count == wanted, let last = page.last else { break }
                    next = last.index + 1
                }
                if connection.json {
                    print("\n]}")
                } else if listed == 0 {
                    print("no entries")
                }
            }
        }

        /// "#7  2026-05-04T10:00:00.000Z  bundle.issued      bank:986352325  <consent>  <summary>".
        static func line(_ index: UInt64, _ leaf: [UInt8]) -> String {
            let entry: AuditEntry
            do {
                entry = try AuditEntry(leafBytes: leaf)
            } catch {
                return "#\(index)  not a canonical entry (\(error)); run `samtykke audit verify`"
            }
            let type = entry.type.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0)
            let actor = "\(entry.actor.kind.rawValue):\(entry.actor.id)".padding(toLength: 20, withPad: " ", startingAt: 0)
            return "#\(entry.index)  \(RFC3339.string(from: entry.time))  \(type)  \(actor)  \(entry.consentId)  \(summary(entry))"
        }

        static func summary(_ entry: AuditEntry) -> String {
            let details = entry.details
            let data = "\(strings(details["scopes"]).joined(separator: ", ")) for \(numbers(details["years"]).joined(separator: ", "))"
            switch entry.type {
            case .consentRequested:
                let purpose = if case .object(let p)? = details["purpose"], case .string(let code)? = p["code"] { code } else { "?" }
                return "bank \(entry.bankOrg) asks person \(entry.personId) for \(data) (\(purpose)), \(numbers(details["maxUses"]).first ?? "?") uses until \(string(details["validUntil"]))"
            case .consentGranted, .consentDenied, .consentRevoked, .consentExpired:
                return "\(string(details["from"])) -> \(string(details["to"]))"
            case .consentExhausted:
                return "\(string(details["from"])) -> \(string(details["to"])) after \(numbers(details["uses"]).first ?? "?") uses"
            case .bundleIssued:
                return "bundle \(string(details["bundleId"])) with \(data), use \(numbers(details["use"]).first ?? "?"), sha256 \(string(details["bundleSha256"]))"
            case .bundleRefused:
                return "refused: \(string(details["reason"]))"
            }
        }

        private static func string(_ value: JSONValue?) -> String {
            if case .string(let text)? = value { return text }
            return "?"
        }

        private static func strings(_ value: JSONValue?) -> [String] {
            guard case .array(let values)? = value else { return [] }
            return values.map { string($0) }
        }

        /// Whole numbers as the log holds them (JSON numbers), printed without a fraction.
        private static func numbers(_ value: JSONValue?) -> [String] {
            let values: [JSONValue] = if case .array(let values)? = value { values } else { value.map { [$0] } ?? [] }
            return values.compactMap { if case .number(let n) = $0, let whole = Int64(exactly: n) { String(whole) } else { nil } }
        }
    }
}
