import CanonicalJSON
import Foundation

/// Everything a v1 entry carried that names anyone (SPEC §4): kept off the public log, bound to
/// its entry by the commitment, and handed only to who may read it (auditors, the person, the bank).
public struct PrivateEntryPart: Sendable, Hashable {
    /// Whom an entry is about. Every entry has them but `consent.forgotten`, whose opening names no one.
    public struct Parties: Sendable, Hashable {
        public let consentId: ConsentID
        public let personId: PersonID
        public let bankOrg: OrgNumber

        public init(consentId: ConsentID, personId: PersonID, bankOrg: OrgNumber) {
            self.consentId = consentId
            self.personId = personId
            self.bankOrg = bankOrg
        }
    }

    public let actor: AuditEntry.Actor
    public let parties: Parties?
    public let event: LogEvent

    /// Refuses a part that names parties on `consent.forgotten`, or names none on any other type.
    public init(actor: AuditEntry.Actor, parties: Parties?, event: LogEvent) throws(DomainError) {
        guard (parties == nil) == (event == .forgotten) else {
            throw .invalid(
                "private", event == .forgotten ? "names parties on a consent.forgotten entry" : "names no consent, person or bank"
            )
        }
        self.actor = actor
        self.parties = parties
        self.event = event
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "actor": .object(["kind": .string(actor.kind.rawValue), "id": .string(actor.id)]),
            "details": .object(event.details),
        ]
        if let parties {
            object["consentId"] = .string(parties.consentId.description)
            object["personId"] = .string(parties.personId.digits)
            object["bankOrg"] = .string(parties.bankOrg.digits)
        }
        return .object(object)
    }

    /// The bytes the commitment hashes: RFC 8785 canonical JSON.
    public func canonicalBytes() throws -> [UInt8] {
        try CanonicalJSON.encode(json)
    }

    /// Reads a private part of an entry of `type`, refusing any member it does not have.
    public init(json: JSONValue, type: AuditEntry.EntryType) throws(DomainError) {
        guard case .object(let o) = json else { throw .invalid("private", "is not a JSON object") }
        guard case .object(let a)? = o["actor"], a.count == 2, case .string(let kindText)? = a["kind"],
            let kind = AuditEntry.Actor.Kind(rawValue: kindText), case .string(let actorID)? = a["id"]
        else { throw .invalid("private.actor", "is not {kind, id}") }
        guard case .object(let details)? = o["details"] else { throw .invalid("private.details", "is not an object") }
        func string(_ key: String) throws(DomainError) -> String {
            guard case .string(let s)? = o[key] else { throw .invalid("private.\(key)", "is missing or not a string") }
            return s
        }
        let parties: Parties?
        if type == .consentForgotten {
            parties = nil
        } else {
            parties = Parties(
                consentId: try ConsentID(try string("consentId")),
                personId: try PersonID(try string("personId")),
                bankOrg: try OrgNumber(try string("bankOrg"))
            )
        }
        guard o.count == (parties == nil ? 2 : 5) else { throw .invalid("private", "has members an entry's private part does not have") }
        try self.init(actor: AuditEntry.Actor(kind: kind, id: actorID), parties: parties, event: try LogEvent(type: type, details: details))
    }
}
