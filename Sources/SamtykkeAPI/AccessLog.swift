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

        /// `language`: the API's sentences are English; the citizen's pages also speak bokmål.
        public init(_ entry: AuditEntry, bankNames: [OrgNumber: String], language: Language = .english) {
            index = entry.index
            time = RFC3339.string(from: entry.time)
            type = entry.type.rawValue
            consentId = entry.consentId.description
            bankOrg = entry.bankOrg.digits
            bankName = bankNames[entry.bankOrg]
            actor = entry.actor
            let bank = bankName.map { "\($0) (\(entry.bankOrg))" } ?? "Bank \(entry.bankOrg)"
            let describe = { (scopes: [Scope], years: [Int]) in Self.describe(scopes, years, in: language) }
            summary = switch language {
            case .english: Self.english(entry, bank: bank, describe: describe)
            case .bokmål: Self.bokmål(entry, bank: bank, describe: describe)
            }
        }

        private static func english(_ entry: AuditEntry, bank: String, describe: ([Scope], [Int]) -> String) -> String {
            return switch entry.event {
            case .requested(let terms): "\(bank) asked for your consent to read \(describe(terms.scopes, terms.years))."
            case .transitioned(let transition, _):
                switch transition.event {
                case .grant: "You granted \(bank) consent."
                case .deny: "You denied \(bank)'s request."
                case .revoke: "You revoked \(bank)'s consent."
                case .withdraw: "\(bank) withdrew its \(transition.from == .pending ? "request" : "consent"): it no longer needs your data."
                case .expire: "\(bank)'s \(transition.from == .pending ? "request" : "consent") expired."
                case .exhaust: "\(bank)'s consent was used up."
                }
            case .bundleIssued(let issue): "\(bank) received \(describe(issue.scopes, issue.years)) from the tax agency."
            case .bundleRefused(let reason): "\(bank) asked for your data and was refused (\(reason))."
            case .dataRequested(let scopes, let years): "\(bank) asked the tax agency for \(describe(scopes, years))."
            case .forgotten: "\(bank)'s consent ended long enough ago that its details were removed."
            }
        }

        private static func bokmål(_ entry: AuditEntry, bank: String, describe: ([Scope], [Int]) -> String) -> String {
            return switch entry.event {
            case .requested(let terms): "\(bank) ba om samtykke til å hente \(describe(terms.scopes, terms.years))."
            case .transitioned(let transition, _):
                switch transition.event {
                case .grant: "Du ga \(bank) samtykke."
                case .deny: "Du avslo forespørselen fra \(bank)."
                case .revoke: "Du trakk tilbake samtykket du ga \(bank)."
                case .withdraw: "\(bank) trakk tilbake \(transition.from == .pending ? "forespørselen" : "samtykket"): banken trenger ikke lenger opplysningene dine."
                case .expire: transition.from == .pending ? "Forespørselen fra \(bank) gikk ut på tid." : "Samtykket du ga \(bank), gikk ut på tid."
                case .exhaust: "Samtykket du ga \(bank), er brukt opp."
                }
            case .bundleIssued(let issue): "\(bank) fikk \(describe(issue.scopes, issue.years)) fra Skatteetaten."
            case .bundleRefused(let reason): "\(bank) ba om opplysningene dine og fikk nei (\(reason))."
            case .dataRequested(let scopes, let years): "\(bank) ba Skatteetaten om \(describe(scopes, years))."
            case .forgotten: "Samtykket du ga \(bank), ble avsluttet for så lenge siden at detaljene er slettet."
            }
        }

        /// "income and debt for 2023, 2024".
        private static func describe(_ scopes: [Scope], _ years: [Int], in language: Language) -> String {
            "\(language.list(scopes.map(language.name(of:)))) for \(years.map(String.init).joined(separator: ", "))"
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
