import Foundation
import SamtykkeCore

/// A bank's registered endpoint. The signing secret is kept only sealed (AES-GCM under a key the
/// database never holds); the store neither sees nor needs it in the clear.
public struct Webhook: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case active, failing, disabled
    }

    public let id: String
    public let bankOrg: OrgNumber
    public let url: String
    public let sealedSecret: [UInt8]
    public let createdAt: Date
    public var status: Status
    /// The event types sent to this endpoint; empty for every type (SPEC §2).
    public var eventTypes: Set<AuditEntry.EntryType>
    /// The secret the latest rotation replaced, sealed as `sealedSecret` is: it signs beside the
    /// new one until `until`.
    public var previousSecret: PreviousSecret?

    public struct PreviousSecret: Sendable, Hashable {
        public let sealed: [UInt8]
        public let until: Date

        public init(sealed: [UInt8], until: Date) {
            self.sealed = sealed
            self.until = until.roundedToMilliseconds
        }
    }

    public init(
        id: String, bankOrg: OrgNumber, url: String, sealedSecret: [UInt8], createdAt: Date, status: Status = .active,
        eventTypes: Set<AuditEntry.EntryType> = [], previousSecret: PreviousSecret? = nil
    ) {
        self.id = id
        self.bankOrg = bankOrg
        self.url = url
        self.sealedSecret = sealedSecret
        // The databases' precision, so a webhook read back equals the one written.
        self.createdAt = createdAt.roundedToMilliseconds
        self.status = status
        self.eventTypes = eventTypes
        self.previousSecret = previousSecret
    }

    /// The sealed secrets that sign what is sent at `at`: the current one, and the previous one while its overlap lasts.
    public func sealedSigningSecrets(at: Date) -> [[UInt8]] {
        [sealedSecret] + (previousSecret.flatMap { at < $0.until ? [$0.sealed] : nil } ?? [])
    }

    /// `eventTypes` as both stores keep it: `,type,type,` in a fixed order, so the fan-out trigger
    /// finds `,type,` with a substring test; empty for every type.
    public static func column(_ types: Set<AuditEntry.EntryType>) -> String {
        types.isEmpty ? "" : "," + types.map(\.rawValue).sorted().joined(separator: ",") + ","
    }

    public static func eventTypes(column: String) throws -> Set<AuditEntry.EntryType> {
        try Set(column.split(separator: ",").map { text in
            guard let type = AuditEntry.EntryType(rawValue: String(text)) else { throw StoreFailure.corrupt("a webhook filters on an unknown event type") }
            return type
        })
    }

    /// `wh_` and 128 random bits in hex: unguessable, so one bank cannot probe for another's.
    public static func newID() -> String {
        "wh_" + RandomBytes.hex(16)
    }
}
