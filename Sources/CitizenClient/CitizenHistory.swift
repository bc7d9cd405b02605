import Foundation
import LogVerification
import SamtykkeCore

/// What `consent log --verify` prints: the citizen's verified history in their language, one line
/// an entry, then one summary line.
public enum CitizenHistory {
    public static func lines<Source>(
        _ verified: CitizenLogVerifier<Source>.Verified, strings: CitizenStrings, in timeZone: TimeZone
    ) -> [String] {
        let words = strings.verify
        var lines = verified.history.map { entry in
            let bank = entry.bankOrg.map(strings.unnamedBank) ?? words.someBank
            let data = entry.scopes.flatMap { scopes in
                entry.years.map { strings.dataFor(scopes.map(strings.scope).joined(separator: ", "), $0.map(String.init).joined(separator: ", ")) }
            }
            let what = words.event(entry.type, bank, data)
            let time = LocalTime.text(RFC3339.string(from: entry.time), in: timeZone)
            if let forgottenAt = entry.forgottenAt {
                return words.forgottenEntry(time, what, entry.index, forgottenAt)
            }
            return words.verifiedEntry(time, what, entry.index, entry.consentId ?? entry.consentTag)
        }
        if verified.history.isEmpty { lines.append(strings.logEmpty) }
        if verified.withheld > 0 { lines.append(words.withheld(verified.withheld)) }
        if verified.trusted == nil { lines.append(words.firstRun) }
        lines.append(words.summary(verified.history.count, verified.checkpoint.size, verified.cosignatures.count))
        return lines
    }
}
