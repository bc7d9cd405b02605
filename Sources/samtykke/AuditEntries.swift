import ArgumentParser
import BrokerClient
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
        @Option(help: "Only entries about this consent.", transform: ConsentID.argument)
        var consentId: ConsentID?
        @Option(help: "Only entries about this person (national identity number).", transform: PersonID.argument)
        var personId: PersonID?
        @Option(help: "Only entries about this bank (organisation number).", transform: OrgNumber.argument)
        var bankOrg: OrgNumber?

        /// One line of --json output.
        struct Item: Encodable {
            let index: UInt64
            /// The exact leaf bytes, base64, as the broker served them.
            let entry: String
            /// The same bytes as JSON, nil when they are not JSON at all.
            let json: JSONValue?
            /// A v2 entry's opening, as the broker served it.
            let opening: JSONValue?
        }

        mutating func validate() throws {
            try Env.present(connection.auditorKey, "auditor-key")
            try Env.fill(&start, "start")
            try Env.fill(&limit, "limit")
            try Env.fill(&consentId, "consent-id", ConsentID.argument)
            try Env.fill(&personId, "person-id", PersonID.argument)
            try Env.fill(&bankOrg, "bank-org", OrgNumber.argument)
            guard start ?? 0 >= 0, limit ?? 0 >= 0 else { throw ValidationError("--start and --limit must not be negative") }
        }

        func run() async throws {
            try await reportingErrors {
                let filters = [("consentId", consentId?.description), ("personId", personId?.digits), ("bankOrg", bankOrg?.digits)].compactMap { name, value in
                    value.map { (name: name, value: $0) }
                }
                var listed = 0
                var firstItem = true
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                if connection.json { print("{\"entries\":[", terminator: "") }
                try await connection.auditorLog.entries(from: UInt64(start ?? 0), limit: limit ?? Int.max, filters: filters) { page in
                    for audited in page {
                        let served = audited.served
                        if connection.json {
                            let item = Item(index: served.index, entry: Data(served.leaf).base64EncodedString(),
                                            json: try? JSONDecoder().decode(JSONValue.self, from: Data(served.leaf)), opening: audited.opening)
                            print((firstItem ? "\n" : ",\n") + String(decoding: try encoder.encode(item), as: UTF8.self), terminator: "")
                            firstItem = false
                        } else {
                            printEscaped(Self.line(served.index, served.leaf, opening: audited.opening))
                        }
                    }
                    listed += page.count
                }
                if connection.json {
                    print("\n]}")
                } else if listed == 0 {
                    print("no entries")
                }
            }
        }

        /// "#7  2026-05-04T10:00:00.000Z  bundle.issued      bank:986352325  <consent>  <summary>".
        /// A v2 entry reads through its `opening`; one without shows only what it says in public.
        static func line(_ index: UInt64, _ leaf: [UInt8], opening: JSONValue? = nil) -> String {
            let entry: AuditEntry
            do {
                switch try LogLeaf(leafBytes: leaf) {
                case .v1(let v1):
                    entry = v1
                case .v2(let v2):
                    guard let opening else {
                        let type = v2.type.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0)
                        return "#\(v2.index)  \(RFC3339.string(from: v2.time))  \(type)  consent \(v2.consent)  (no opening)"
                    }
                    entry = try AuditEntry(v2, opening: try EntryOpening(json: opening, type: v2.type))
                }
            } catch {
                return "#\(index)  not a canonical entry, or its opening does not open it (\(error)); run `samtykke audit verify`"
            }
            let type = entry.type.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0)
            let actor = "\(entry.actor.kind.rawValue):\(entry.actor.id)".padding(toLength: 20, withPad: " ", startingAt: 0)
            return "#\(entry.index)  \(RFC3339.string(from: entry.time))  \(type)  \(actor)  \(entry.consentId)  \(summary(entry))"
        }

        static func summary(_ entry: AuditEntry) -> String {
            func data(_ scopes: [Scope], _ years: [Int]) -> String {
                "\(scopes.map(\.rawValue).joined(separator: ", ")) for \(years.map(String.init).joined(separator: ", "))"
            }
            switch entry.event {
            case .requested(let terms):
                return "bank \(entry.bankOrg) asks person \(entry.personId) for \(data(terms.scopes, terms.years)) (\(terms.purpose.code)), \(terms.maxUses) uses until \(RFC3339.string(from: terms.validUntil))"
            case .transitioned(let transition, let uses):
                return "\(transition.from.rawValue) -> \(transition.to.rawValue)" + (uses.map { " after \($0) uses" } ?? "")
            case .bundleIssued(let issue):
                return "bundle \(issue.bundleID) with \(data(issue.scopes, issue.years)), use \(issue.use), sha256 \(issue.bundleSHA256)"
            case .bundleRefused(let reason):
                return "refused: \(reason)"
            case .dataRequested(let scopes, let years):
                return "data requested: \(data(scopes, years))"
            case .forgotten:
                return "forgotten: the consent's personal data was removed"
            }
        }
    }
}
