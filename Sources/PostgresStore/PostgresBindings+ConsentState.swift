import Foundation
import PostgresNIO
import SamtykkeCore

extension PostgresBindings {
    /// The columns of `consents` that a transition or a use changes, as arrays for UNNEST: `uses`,
    /// `status`, `grantedAt`, `granted`, `statusChangedAt`. Arrays cannot carry NULL here, so
    /// `granted` says which rows have a `grantedAt` (the others carry a placeholder).
    mutating func appendChangingColumns(of consents: [Consent]) {
        append(consents.map { Int32($0.uses) })
        append(consents.map(\.status.rawValue))
        append(consents.map { $0.grantedAt ?? $0.statusChangedAt })
        append(consents.map { $0.grantedAt != nil })
        append(consents.map(\.statusChangedAt))
    }
}
