import SamtykkeCore

/// Every word and sentence the citizen's consent commands print, in one language: a table with one
/// instance per language (`CitizenStrings+English.swift`, `CitizenStrings+Bokmal.swift`), so a
/// translation is one file and no command holds a literal of its own. Text from the broker (a bank's
/// name, a purpose) comes in already escaped.
public struct CitizenStrings: Sendable {
    /// The ICU locale dates are written in ("3 December", "3. desember").
    public let locale: String

    // `consent list`
    public let headers: TableHeaders
    public let status: @Sendable (ConsentStatus) -> String
    public let scope: @Sendable (Scope) -> String
    /// "income, debt for 2023, 2024": the scopes and years already listed.
    public let dataFor: @Sendable (_ scopes: String, _ years: String) -> String
    /// A bank the broker sent no name for.
    public let unnamedBank: @Sendable (_ org: String) -> String
    public let noConsents: @Sendable (ConsentStatus?) -> String
    /// Under a list cut at `--limit`: more consents than were shown name the citizen.
    public let moreConsents: @Sendable (_ shown: Int, _ maximum: Int) -> String

    // `consent show`
    public let labels: ShowLabels
    public let uses: @Sendable (_ used: Int, _ of: Int) -> String

    // The questions before an answer, on a terminal.
    public let grantQuestion: @Sendable (_ bank: String, _ data: String, _ maxUses: Int, _ until: String, _ purpose: String) -> String
    public let denyQuestion: @Sendable (_ bank: String, _ data: String, _ purpose: String) -> String
    public let revokeQuestion: @Sendable (_ bank: String, _ data: String, _ usesLeft: Int, _ until: String) -> String
    /// The last line of a question, ending in the `[y/N]` it waits at.
    public let confirm: @Sendable (CitizenAction) -> String
    /// Replies that mean yes, lower case.
    public let yes: Set<String>
    /// Why nothing happened when the citizen did not answer yes.
    public let declined: @Sendable (CitizenAction) -> String
    /// The answer: "granted consent ID: bank, data, until T (status: active)".
    public let done: @Sendable (_ action: CitizenAction, _ id: String, _ bank: String, _ data: String, _ until: String, _ status: String) -> String

    // `consent log`
    public let logEmpty: String
    public let logEntry: @Sendable (_ time: String, _ summary: String, _ index: UInt64, _ consentId: String) -> String

    // `consent log --verify`
    public let verify: VerifyWords

    // `login` and `logout`
    /// Above the address to open in a browser.
    public let openToLogIn: String
    /// What the browser shows at the loopback redirect, as plain text.
    public let returnToTerminal: String
    public let loggedIn: @Sendable (_ server: String, _ until: String) -> String
    public let loggedOut: String

    // Failures, as sentences. `on` is a day in the citizen's zone ("3 December").
    public let notFound: String
    /// A consent that ended: nothing more can be done with it.
    public let ended: @Sendable (_ status: ConsentStatus, _ on: String) -> String
    public let alreadyGranted: @Sendable (_ on: String, _ id: String) -> String
    public let notYetGranted: @Sendable (_ id: String) -> String
    /// A consent that ended long ago enough for the broker to have removed its details.
    public let forgotten: @Sendable (_ status: ConsentStatus, _ on: String) -> String
    public let loginExpired: String
    public let loginRefused: String
    public let sessionEnded: String
    public let notLoggedIn: String
    public let noLogin: String
    public let loginFailed: String
    public let sessionNotKept: @Sendable (_ path: String) -> String
    public let busy: String
    public let brokerTrouble: String
    public let unreachable: @Sendable (_ server: String) -> String
    public let unreadable: String
    public let refused: String
    /// The answer's receipt does not show the log holding the decision: the answer is not trusted.
    public let receiptRefused: String

    /// The citizen's verified history (`consent log --verify`).
    public struct VerifyWords: Sendable {
        /// What an entry says: `bank` as `unnamedBank` writes it (or `someBank`), `data` as `dataFor` does.
        public let event: @Sendable (_ type: AuditEntry.EntryType, _ bank: String, _ data: String?) -> String
        /// A bank the entry no longer names: its consent was forgotten.
        public let someBank: String
        public let verifiedEntry: @Sendable (_ time: String, _ what: String, _ index: UInt64, _ consentId: String) -> String
        public let forgottenEntry: @Sendable (_ time: String, _ what: String, _ index: UInt64, _ forgottenAt: UInt64) -> String
        /// The last line: entries about the citizen, the signed tree's size, the witnesses that cosigned it.
        public let summary: @Sendable (_ about: Int, _ size: UInt64, _ witnesses: Int) -> String
        public let firstRun: String
        /// The broker holds no subject key for the citizen and no state was named.
        public let noKey: String
        /// Entries before the upgrade that only auditors may read, so the scan could not look into them.
        public let withheld: @Sendable (_ count: UInt64) -> String
    }

    public struct TableHeaders: Sendable {
        public let consent, status, bank, data, validUntil, purpose: String
    }

    public struct ShowLabels: Sendable {
        public let consent, status, bank, person, data, purpose, validUntil, uses, requested, granted: String
    }
}
