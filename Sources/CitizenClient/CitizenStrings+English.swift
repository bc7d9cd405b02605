import SamtykkeCore

extension CitizenStrings {
    public static let english = CitizenStrings(
        locale: "en_GB",
        headers: TableHeaders(consent: "CONSENT", status: "STATUS", bank: "BANK", data: "DATA", validUntil: "VALID UNTIL", purpose: "PURPOSE"),
        status: { $0.rawValue },
        scope: { $0.rawValue },
        dataFor: { scopes, years in "\(scopes) for \(years)" },
        unnamedBank: { "bank \($0)" },
        noConsents: { status in status.map { "no \($0.rawValue) consents name you" } ?? "no consents name you" },
        moreConsents: { shown, maximum in
            "showing the newest \(shown); more consents name you (--limit shows up to \(maximum), --status narrows the list)"
        },
        labels: ShowLabels(
            consent: "consent", status: "status", bank: "bank", person: "person", data: "data", purpose: "purpose",
            validUntil: "valid until", uses: "uses", requested: "requested", granted: "granted"
        ),
        uses: { used, of in "\(used) of \(of)" },
        grantQuestion: { bank, data, maxUses, until, purpose in
            """
            \(bank) asks to fetch your \(data) from the tax agency,
            at most \(maxUses) time\(maxUses == 1 ? "" : "s") until \(until),
            for \(purpose)
            """
        },
        denyQuestion: { bank, data, purpose in
            """
            \(bank) asks to fetch your \(data) from the tax agency,
            for \(purpose)
            """
        },
        revokeQuestion: { bank, data, usesLeft, until in
            """
            \(bank) may still fetch your \(data) from the tax agency,
            \(usesLeft) more time\(usesLeft == 1 ? "" : "s") until \(until)
            """
        },
        confirm: { action in
            switch action {
            case .grant: "Grant it? [y/N] "
            case .deny: "Deny it? [y/N] "
            case .revoke: "Revoke it? [y/N] "
            }
        },
        yes: ["y", "yes"],
        declined: { action in
            switch action {
            case .grant: "nothing was granted: you did not answer yes"
            case .deny: "the request still waits for your answer: you did not answer yes"
            case .revoke: "the consent is still in force: you did not answer yes"
            }
        },
        done: { action, id, bank, data, until, status in
            let verb = switch action {
            case .grant: "granted"
            case .deny: "denied"
            case .revoke: "revoked"
            }
            return "\(verb) consent \(id): \(bank), \(data), until \(until) (status: \(status))"
        },
        logEmpty: "the log holds nothing about you",
        logEntry: { time, summary, index, consentId in "\(time)  \(summary)  [#\(index), consent \(consentId)]" },
        verify: VerifyWords(
            event: { type, bank, data in
                let about = data.map { " (\($0))" } ?? ""
                return switch type {
                case .consentRequested: "\(bank) asked for your consent\(about)"
                case .consentGranted: "you granted \(bank) consent"
                case .consentDenied: "you denied \(bank)'s request"
                case .consentRevoked: "you revoked \(bank)'s consent"
                case .consentWithdrawn: "\(bank) withdrew its request or consent"
                case .consentExpired: "\(bank)'s request or consent expired"
                case .consentExhausted: "\(bank)'s consent was used up"
                case .consentForgotten: "the details of a consent were erased"
                case .dataRequested: "\(bank) asked the tax agency for your data\(about)"
                case .bundleIssued: "\(bank) received your data\(about)"
                case .bundleRefused: "\(bank) asked for your data and was refused"
                }
            },
            someBank: "a bank",
            verifiedEntry: { time, what, index, consentId in "verified  \(time)  \(what)  [#\(index), consent \(consentId)]" },
            forgottenEntry: { time, what, index, forgottenAt in "forgotten  \(time)  \(what)  [#\(index); erased by #\(forgottenAt)]" },
            summary: { about, size, witnesses in
                "verified: \(about) entries about you in the signed log of \(size) entries" + (witnesses > 0 ? ", cosigned by \(witnesses) witnesses" : "")
            },
            firstRun: "first run: nothing to compare with, so this checkpoint and log key are trusted on first use",
            noKey: "the broker holds no key for you: it never logged anything about you, or it forgot all your consents (name the state file of your earlier runs with --state to see how your history ended)",
            withheld: { "\($0) entries from before the upgrade are for auditors only and were not scanned (the tree still proves them)" }
        ),
        openToLogIn: "Open this address in a browser to log in:",
        returnToTerminal: "You are logged in at the ID provider. Close this window and return to the terminal.",
        loggedIn: { server, until in "Logged in at \(server) until \(until)." },
        loggedOut: "Logged out.",
        notFound: "The consent was not found.",
        ended: { status, on in
            switch status {
            case .revoked: "This consent was revoked on \(on); nothing more can be fetched with it."
            case .denied: "This request was denied on \(on); nothing can be fetched with it."
            case .withdrawn: "The bank withdrew this request on \(on); nothing more can be fetched with it."
            case .expired: "This consent expired on \(on); nothing more can be fetched with it."
            case .exhausted: "This consent was used up on \(on): the bank made every fetch it allowed; nothing more can be fetched with it."
            case .pending, .active: "This consent changed on \(on); look at it again with samtykke consent show."
            }
        },
        alreadyGranted: { on, id in
            "This consent was granted on \(on) and is in force; to end it, revoke it (samtykke consent revoke \(id))."
        },
        notYetGranted: { id in
            "This request has not been granted, so there is nothing to revoke; to refuse it, deny it (samtykke consent deny \(id))."
        },
        forgotten: { status, on in
            "This consent ended (\(status.rawValue)) on \(on) and its details were removed after the broker's retention period; "
                + "samtykke consent log still shows its history."
        },
        loginExpired: "Your login has expired. Get a new ID token (--id-token or SAMTYKKE_ID_TOKEN) and try again.",
        loginRefused: "Your ID token was not accepted. Get a new one (--id-token or SAMTYKKE_ID_TOKEN) and try again.",
        sessionEnded: "Your login has ended. Log in again with samtykke login and try again.",
        notLoggedIn: "You are not logged in. Log in with samtykke login --server URL (or give an ID token with --id-token and --server).",
        noLogin: "This broker has no login for citizens; ask its operator, or use an ID token (--id-token).",
        loginFailed: "The login did not go through; nothing was changed. Try samtykke login again.",
        sessionNotKept: { "Your login could not be kept in \($0); check that folder's permissions." },
        busy: "The broker is busy; try again in a minute.",
        brokerTrouble: "The broker could not answer right now; try again later.",
        unreachable: { "cannot reach the broker at \($0); check the address (--server) and your network connection." },
        unreadable: "The broker's answer could not be read.",
        refused: "The broker refused the request.",
        receiptRefused: "The broker answered, but its receipt does not show your answer on the log; do not rely on it and contact the broker."
    )
}
