import CanonicalJSON
import Foundation

/// What one log entry records, as a value: the entry's `type` and `details` (SPEC §4) are its one
/// encoding, and `init(type:details:)` its one decoding, used by the log, the citizen's view, the
/// auditor's tools, bundle checks and events alike.
public enum LogEvent: Sendable, Hashable {
    /// A bank asked: the terms it asked for and when the unanswered request lapses.
    case requested(RequestedTerms)
    /// A state transition (granted, denied, revoked, withdrawn, expired, exhausted).
    case transitioned(ConsentTransition, uses: Int?)
    case bundleIssued(BundleIssue)
    /// A bundle request that issued nothing, and why.
    case bundleRefused(reason: String)
    /// The bank's fetch of these scopes and years, logged before the agency is asked (v2 only).
    case dataRequested(scopes: [Scope], years: [Int])
    /// Retention forgot the consent (v2 only): its entries' openings are gone, this one names no one.
    case forgotten

    public var type: AuditEntry.EntryType {
        switch self {
        case .requested: .consentRequested
        case .transitioned(let transition, _): AuditEntry.EntryType(transition: transition)
        case .bundleIssued: .bundleIssued
        case .bundleRefused: .bundleRefused
        case .dataRequested: .dataRequested
        case .forgotten: .consentForgotten
        }
    }

    /// The terms a `consent.requested` entry records.
    public struct RequestedTerms: Sendable, Hashable {
        public let scopes: [Scope]
        public let years: [Int]
        public let purpose: Purpose
        public let validUntil: Date
        public let maxUses: Int
        public let requestExpiresAt: Date

        public init(_ consent: Consent) {
            scopes = consent.terms.scopes
            years = consent.terms.years
            purpose = consent.terms.purpose
            validUntil = consent.terms.validUntil.roundedToMilliseconds
            maxUses = consent.terms.maxUses
            requestExpiresAt = consent.requestExpiresAt.roundedToMilliseconds
        }

        init(scopes: [Scope], years: [Int], purpose: Purpose, validUntil: Date, maxUses: Int, requestExpiresAt: Date) {
            self.scopes = scopes
            self.years = years
            self.purpose = purpose
            self.validUntil = validUntil
            self.maxUses = maxUses
            self.requestExpiresAt = requestExpiresAt
        }
    }

    /// The encoded `details` object.
    public var details: [String: JSONValue] {
        switch self {
        case .requested(let terms):
            [
                "scopes": .array(terms.scopes.map { .string($0.rawValue) }),
                "years": .array(terms.years.map { .number(Double($0)) }),
                "purpose": .object(["code": .string(terms.purpose.code), "text": .string(terms.purpose.text)]),
                "validUntil": .string(RFC3339.string(from: terms.validUntil)),
                "maxUses": .number(Double(terms.maxUses)),
                "requestExpiresAt": .string(RFC3339.string(from: terms.requestExpiresAt)),
            ]
        case .transitioned(let transition, let uses):
            [
                "from": .string(transition.from.rawValue),
                "to": .string(transition.to.rawValue),
            ].merging(uses.map { ["uses": .number(Double($0))] } ?? [:]) { a, _ in a }
        case .bundleIssued(let issue):
            [
                "bundleId": .string(issue.bundleID),
                "bundleSha256": .string(issue.bundleSHA256),
                "scopes": .array(issue.scopes.map { .string($0.rawValue) }),
                "years": .array(issue.years.map { .number(Double($0)) }),
                "sourceSha256": .string(issue.sourceSHA256),
                "use": .number(Double(issue.use)),
            ].merging(issue.dataRequested.map { ["dataRequested": .number(Double($0))] } ?? [:]) { a, _ in a }
        case .bundleRefused(let reason):
            ["reason": .string(reason)]
        case .dataRequested(let scopes, let years):
            [
                "scopes": .array(scopes.map { .string($0.rawValue) }),
                "years": .array(years.map { .number(Double($0)) }),
            ]
        case .forgotten:
            [:]
        }
    }

    /// Reads `details` of an entry of `type`, refusing anything the encoder above would not write.
    public init(type: AuditEntry.EntryType, details: [String: JSONValue]) throws(DomainError) {
        var reader = DetailsReader(details)
        switch type {
        case .consentRequested:
            let purpose = try reader.object("purpose")
            var purposeReader = DetailsReader(purpose, path: "details.purpose")
            let terms = RequestedTerms(
                scopes: try reader.scopes("scopes"),
                years: try reader.integers("years"),
                purpose: try Purpose(code: try purposeReader.string("code"), text: try purposeReader.string("text")),
                validUntil: try reader.time("validUntil"),
                maxUses: try reader.integer("maxUses"),
                requestExpiresAt: try reader.time("requestExpiresAt")
            )
            try purposeReader.finish()
            self = .requested(terms)
        case .bundleIssued:
            self = .bundleIssued(BundleIssue(
                bundleID: try reader.string("bundleId"),
                bundleSHA256: try reader.string("bundleSha256"),
                scopes: try reader.scopes("scopes"),
                years: try reader.integers("years"),
                sourceSHA256: try reader.string("sourceSha256"),
                use: try reader.integer("use"),
                dataRequested: reader.has("dataRequested") ? try reader.integer("dataRequested") : nil
            ))
        case .bundleRefused:
            self = .bundleRefused(reason: try reader.string("reason"))
        case .dataRequested:
            self = .dataRequested(scopes: try reader.scopes("scopes"), years: try reader.integers("years"))
        case .consentForgotten:
            self = .forgotten
        default:
            guard let from = ConsentStatus(rawValue: try reader.string("from")), let to = ConsentStatus(rawValue: try reader.string("to")),
                let event = type.transitionEvent,
                from.next(on: event) == to
            else { throw .invalid("entry.details", "is not a transition a \(type.rawValue) entry can record") }
            let uses = event == .exhaust ? try reader.integer("uses") : nil
            self = .transitioned(ConsentTransition(from: from, to: to, event: event), uses: uses)
        }
        try reader.finish()
    }
}

/// Reads typed fields out of a `details` object and remembers which it read, so that an unknown
/// extra field is refused (`finish`).
private struct DetailsReader {
    let object: [String: JSONValue]
    let path: String
    private var read: Set<String> = []

    init(_ object: [String: JSONValue], path: String = "entry.details") {
        self.object = object
        self.path = path
    }

    mutating func value(_ key: String) throws(DomainError) -> JSONValue {
        guard let value = object[key] else { throw .invalid("\(path).\(key)", "is missing") }
        read.insert(key)
        return value
    }

    func has(_ key: String) -> Bool { object[key] != nil }

    mutating func string(_ key: String) throws(DomainError) -> String {
        guard case .string(let s) = try value(key) else { throw .invalid("\(path).\(key)", "is not a string") }
        return s
    }

    mutating func integer(_ key: String) throws(DomainError) -> Int {
        guard case .number(let n) = try value(key), let i = Int(exactly: n) else { throw .invalid("\(path).\(key)", "is not an integer") }
        return i
    }

    mutating func time(_ key: String) throws(DomainError) -> Date {
        guard let date = RFC3339.date(from: try string(key)) else { throw .invalid("\(path).\(key)", "is not an RFC 3339 time") }
        return date
    }

    mutating func object(_ key: String) throws(DomainError) -> [String: JSONValue] {
        guard case .object(let o) = try value(key) else { throw .invalid("\(path).\(key)", "is not an object") }
        return o
    }

    mutating func integers(_ key: String) throws(DomainError) -> [Int] {
        guard case .array(let items) = try value(key) else { throw .invalid("\(path).\(key)", "is not an array") }
        return try items.map { item throws(DomainError) in
            guard case .number(let n) = item, let i = Int(exactly: n) else { throw .invalid("\(path).\(key)", "holds a non-integer") }
            return i
        }
    }

    mutating func scopes(_ key: String) throws(DomainError) -> [Scope] {
        guard case .array(let items) = try value(key) else { throw .invalid("\(path).\(key)", "is not an array") }
        return try items.map { item throws(DomainError) in
            guard case .string(let s) = item, let scope = Scope(rawValue: s) else { throw .invalid("\(path).\(key)", "holds an unknown scope") }
            return scope
        }
    }

    func finish() throws(DomainError) {
        if let extra = Set(object.keys).subtracting(read).sorted().first {
            throw .invalid("\(path).\(extra)", "is not a field this entry type has")
        }
    }
}
