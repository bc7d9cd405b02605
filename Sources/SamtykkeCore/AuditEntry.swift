import CanonicalJSON
import Foundation

/// One leaf of the consent log (SPEC §4). Its bytes are the RFC 8785 canonical JSON of the fields
/// below, so anyone can recompute a leaf hash from what the API hands out.
public struct AuditEntry: Sendable, Hashable {
    public enum EntryType: String, Sendable, Hashable, Codable, CaseIterable {
        case consentRequested = "consent.requested"
        case consentGranted = "consent.granted"
        case consentDenied = "consent.denied"
        case consentRevoked = "consent.revoked"
        case consentWithdrawn = "consent.withdrawn"
        case consentExpired = "consent.expired"
        case consentExhausted = "consent.exhausted"
        case bundleIssued = "bundle.issued"
        case bundleRefused = "bundle.refused"
        /// v2 only (SPEC §4): retention forgot the consent and shredded its openings.
        case consentForgotten = "consent.forgotten"
        /// v2 only (SPEC §5): the bank's fetch, logged before the agency is asked.
        case dataRequested = "data.requested"

        /// Whether a v1 entry can have this type; the v2 types came with the v2 entry.
        public var existsInV1: Bool { self != .consentForgotten && self != .dataRequested }

        /// The entry a state transition writes.
        public init(transition: ConsentTransition) {
            self.init(event: transition.event)
        }

        public init(event: ConsentEvent) {
            switch event {
            case .grant: self = .consentGranted
            case .deny: self = .consentDenied
            case .revoke: self = .consentRevoked
            case .withdraw: self = .consentWithdrawn
            case .expire: self = .consentExpired
            case .exhaust: self = .consentExhausted
            }
        }

        /// The state machine's event behind a transition entry; nil for the other types.
        public var transitionEvent: ConsentEvent? {
            // The inverse of `init(event:)`, as a switch: verifiers ask it for most entries of a log.
            switch self {
            case .consentGranted: .grant
            case .consentDenied: .deny
            case .consentRevoked: .revoke
            case .consentWithdrawn: .withdraw
            case .consentExpired: .expire
            case .consentExhausted: .exhaust
            case .consentRequested, .bundleIssued, .bundleRefused, .consentForgotten, .dataRequested: nil
            }
        }
    }

    public struct Actor: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
            case bank, citizen, system, auditor
        }

        public let kind: Kind
        public let id: String

        public init(kind: Kind, id: String) {
            self.kind = kind
            self.id = id
        }

        public static func bank(_ org: OrgNumber) -> Actor { Actor(kind: .bank, id: org.digits) }
        public static func citizen(_ person: PersonID) -> Actor { Actor(kind: .citizen, id: person.digits) }
        /// The broker itself, acting on a clock (expiry) or on a use count (exhaustion).
        public static let system = Actor(kind: .system, id: "samtykke")
    }

    public static let version = 1

    public let index: UInt64
    public let time: Date
    public let actor: Actor
    public let consentId: ConsentID
    public let personId: PersonID
    public let bankOrg: OrgNumber
    /// What happened: digests, counts, reasons. Never tax data.
    public let event: LogEvent

    public var type: EntryType { event.type }
    public var details: [String: JSONValue] { event.details }

    public init(
        index: UInt64,
        time: Date,
        actor: Actor,
        consentId: ConsentID,
        personId: PersonID,
        bankOrg: OrgNumber,
        event: LogEvent
    ) {
        self.index = index
        // The log keeps millisecond precision; rounding here makes a parsed entry equal the original.
        self.time = time.roundedToMilliseconds
        self.actor = actor
        self.consentId = consentId
        self.personId = personId
        self.bankOrg = bankOrg
        self.event = event
    }

    /// The entry `draft` becomes at `index` and `time`, about `consent`.
    public init(index: UInt64, time: Date, consent: Consent, draft: Draft) {
        self.init(
            index: index, time: time, actor: draft.actor, consentId: consent.id,
            personId: consent.terms.personId, bankOrg: consent.bankOrg, event: draft.event
        )
    }

    /// An entry the domain decided to write, before the log gives it an index and a time.
    public struct Draft: Sendable, Hashable {
        public let actor: Actor
        public let event: LogEvent

        public init(_ actor: Actor, _ event: LogEvent) {
            self.actor = actor
            self.event = event
        }
    }

    public var json: JSONValue {
        .object([
            "v": .number(Double(Self.version)),
            "index": .number(Double(index)),
            "time": .string(RFC3339.string(from: time)),
            "type": .string(type.rawValue),
            "actor": .object(["kind": .string(actor.kind.rawValue), "id": .string(actor.id)]),
            "consentId": .string(consentId.description),
            "personId": .string(personId.digits),
            "bankOrg": .string(bankOrg.digits),
            "details": .object(details),
        ])
    }

    /// The exact leaf bytes: RFC 8785 canonical JSON.
    public func leafBytes() throws -> [UInt8] {
        try CanonicalJSON.encode(json)
    }

    /// Reads a leaf back, checking that the bytes are exactly the canonical form of what they say, so
    /// two different byte strings can never stand for the same entry.
    public init(leafBytes: [UInt8]) throws(DomainError) {
        try self.init(object: try Self.object(ofLeaf: leafBytes), leafBytes: leafBytes)
    }

    /// The JSON object a leaf of either version is.
    static func object(ofLeaf leafBytes: [UInt8]) throws(DomainError) -> [String: JSONValue] {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(leafBytes)), case .object(let o) = value else {
            throw .invalid("entry", "is not a JSON object")
        }
        return o
    }

    /// Reads `o`, the object `leafBytes` hold, as a v1 entry.
    init(object o: [String: JSONValue], leafBytes: [UInt8]) throws(DomainError) {
        func string(_ key: String) throws(DomainError) -> String {
            guard case .string(let s)? = o[key] else { throw .invalid("entry.\(key)", "is missing or not a string") }
            return s
        }
        guard case .number(let v)? = o["v"], Int(exactly: v) == Self.version else {
            throw .invalid("entry.v", "is not version \(Self.version)")
        }
        guard case .number(let i)? = o["index"], let index = UInt64(exactly: i) else {
            throw .invalid("entry.index", "is not a non-negative integer")
        }
        guard let time = RFC3339.date(from: try string("time")) else { throw .invalid("entry.time", "is not an RFC 3339 time") }
        guard let type = EntryType(rawValue: try string("type")), type.existsInV1 else {
            throw .invalid("entry.type", "is not a known entry type")
        }
        guard case .object(let a)? = o["actor"], case .string(let kindText)? = a["kind"], let kind = Actor.Kind(rawValue: kindText),
            case .string(let actorID)? = a["id"]
        else { throw .invalid("entry.actor", "is not {kind, id}") }
        guard case .object(let details)? = o["details"] else { throw .invalid("entry.details", "is not an object") }
        self.init(
            index: index,
            time: time,
            actor: Actor(kind: kind, id: actorID),
            consentId: try ConsentID(try string("consentId")),
            personId: try PersonID(try string("personId")),
            bankOrg: try OrgNumber(try string("bankOrg")),
            event: try LogEvent(type: type, details: details)
        )
        guard o.count == 9, (try? self.leafBytes()) == leafBytes else {
            throw .invalid("entry", "is not in canonical form")
        }
    }
}
