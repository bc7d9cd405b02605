import SamtykkeCore

/// `GET /v1/me/access-log`: a page of the log entries about one citizen, each with a sentence a
/// person can read.
public struct AccessLog: Codable, Sendable, Hashable {
    public struct Entry: Codable, Sendable, Hashable {
        public let index: UInt64
        public let time: String
        public let type: String
        public let consentId: String
        public let bankOrg: String
        public let bankName: String?
        public let actor: AuditEntry.Actor
        public let summary: String

        public init(_ entry: AuditEntry, bankNames: [OrgNumber: String]) {
            index = entry.index
            time = RFC3339.string(from: entry.time)
            type = entry.type.rawValue
            consentId = entry.consentId.description
            bankOrg = entry.bankOrg.digits
            bankName = bankNames[entry.bankOrg]
            actor = entry.actor
            let bank = bankName.map { "\($0) (\(entry.bankOrg))" } ?? "Bank \(entry.bankOrg)"
            summary = switch entry.event {
            case .requested(let terms): "\(bank) asked for your consent to read \(Self.describe(terms.scopes, terms.years))."
            case .transitioned(let transition, _):
                switch transition.event {
                case .grant: "You granted \(bank) consent."
                case .deny: "You denied \(bank)'s request."
                case .revoke: "You revoked \(bank)'s consent."
                case .withdraw: "\(bank) withdrew its \(transition.from == .pending ? "request" : "consent"): it no longer needs your data."
                case .expire: "\(bank)'s \(transition.from == .pending ? "request" : "consent") expired."
                case .exhaust: "\(bank)'s consent was used up."
                }
            case .bundleIssued(let issue): "\(bank) received \(Self.describe(issue.scopes, issue.years)) from the tax agency."
            case .bundleRefused(let reason): "\(bank) asked for your data and was refused (\(reason))."
            case .dataRequested(let scopes, let years): "\(bank) asked the tax agency for \(Self.describe(scopes, years))."
            case .forgotten: "\(bank)'s consent ended long enough ago that its details were removed."
            }
        }

        /// "income and debt for 2023, 2024".
        private static func describe(_ scopes: [Scope], _ years: [Int]) -> String {
            let names = scopes.map(\.rawValue)
            let list = names.count > 1 ? names.dropLast().joined(separator: ", ") + " and " + names.last! : names.joined()
            return "\(list) for \(years.map(String.init).joined(separator: ", "))"
        }
    }

    public let personId: String
    public let entries: [Entry]
    /// The index to ask for entries `after`; encoded as null on the last page, so clients need not
    /// guess.
    public let next: UInt64?

    public init(personId: String, entries: [Entry], next: UInt64?) {
        self.personId = personId
        self.entries = entries
        self.next = next
    }

    enum CodingKeys: String, CodingKey { case personId, entries, next }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(personId, forKey: .personId)
        try container.encode(entries, forKey: .entries)
        try container.encode(next, forKey: .next)
    }
}
