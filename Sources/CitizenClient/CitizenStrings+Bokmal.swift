import SamtykkeCore

extension CitizenStrings {
    public static let bokmål = CitizenStrings(
        locale: "nb",
        headers: TableHeaders(consent: "SAMTYKKE", status: "STATUS", bank: "BANK", data: "DATA", validUntil: "GYLDIG TIL", purpose: "FORMÅL"),
        status: statusWord,
        scope: { scope in
            switch scope {
            case .income: "inntekt"
            case .debt: "gjeld"
            case .wealth: "formue"
            }
        },
        dataFor: { scopes, years in "\(scopes) for \(years)" },
        unnamedBank: { "bank \($0)" },
        noConsents: { status in
            status.map { "ingen samtykker med status «\(statusWord($0))» gjelder deg" } ?? "ingen samtykker gjelder deg"
        },
        moreConsents: { shown, maximum in
            "viser de \(shown) nyeste; flere samtykker gjelder deg (--limit viser opptil \(maximum), --status snevrer inn listen)"
        },
        labels: ShowLabels(
            consent: "samtykke", status: "status", bank: "bank", person: "person", data: "data", purpose: "formål",
            validUntil: "gyldig til", uses: "brukt", requested: "forespurt", granted: "gitt"
        ),
        uses: { used, of in "\(used) av \(of)" },
        grantQuestion: { bank, data, maxUses, until, purpose in
            """
            \(bank) ber om å hente \(data) om deg fra Skatteetaten,
            høyst \(times(maxUses)) til og med \(until),
            til formålet \(purpose)
            """
        },
        denyQuestion: { bank, data, purpose in
            """
            \(bank) ber om å hente \(data) om deg fra Skatteetaten,
            til formålet \(purpose)
            """
        },
        revokeQuestion: { bank, data, usesLeft, until in
            """
            \(bank) kan fortsatt hente \(data) om deg fra Skatteetaten,
            \(times(usesLeft)) til, til og med \(until)
            """
        },
        confirm: { action in
            switch action {
            case .grant: "Gi samtykke? [j/N] "
            case .deny: "Avslå forespørselen? [j/N] "
            case .revoke: "Tilbakekalle samtykket? [j/N] "
            }
        },
        yes: ["j", "ja", "y", "yes"],
        declined: { action in
            switch action {
            case .grant: "ingenting ble gitt: du svarte ikke ja"
            case .deny: "forespørselen venter fortsatt på svaret ditt: du svarte ikke ja"
            case .revoke: "samtykket gjelder fortsatt: du svarte ikke ja"
            }
        },
        done: { action, id, bank, data, until, status in
            let verb = switch action {
            case .grant: "ga samtykke"
            case .deny: "avslo forespørsel"
            case .revoke: "tilbakekalte samtykke"
            }
            return "\(verb) \(id): \(bank), \(data), til \(until) (status: \(status))"
        },
        logEmpty: "loggen har ingenting om deg",
        logEntry: { time, summary, index, consentId in "\(time)  \(summary)  [#\(index), samtykke \(consentId)]" },
        verify: VerifyWords(
            event: { type, bank, data in
                let about = data.map { " (\($0))" } ?? ""
                return switch type {
                case .consentRequested: "\(bank) ba om samtykket ditt\(about)"
                case .consentGranted: "du ga \(bank) samtykke"
                case .consentDenied: "du avslo forespørselen fra \(bank)"
                case .consentRevoked: "du tilbakekalte samtykket til \(bank)"
                case .consentWithdrawn: "\(bank) trakk tilbake forespørselen eller samtykket"
                case .consentExpired: "forespørselen eller samtykket til \(bank) utløp"
                case .consentExhausted: "samtykket til \(bank) ble brukt opp"
                case .consentForgotten: "opplysningene om et samtykke ble slettet"
                case .dataRequested: "\(bank) ba Skatteetaten om opplysningene dine\(about)"
                case .bundleIssued: "\(bank) fikk opplysningene dine\(about)"
                case .bundleRefused: "\(bank) ba om opplysningene dine og fikk avslag"
                }
            },
            someBank: "en bank",
            verifiedEntry: { time, what, index, consentId in "verifisert  \(time)  \(what)  [#\(index), samtykke \(consentId)]" },
            forgottenEntry: { time, what, index, forgottenAt in "glemt  \(time)  \(what)  [#\(index); slettet ved #\(forgottenAt)]" },
            summary: { about, size, witnesses in
                "verifisert: \(about) oppføringer om deg i den signerte loggen på \(size) oppføringer" + (witnesses > 0 ? ", medsignert av \(witnesses) vitner" : "")
            },
            firstRun: "første kjøring: ingenting å sammenligne med, så dette kontrollpunktet og loggnøkkelen stoles på ved første bruk",
            noKey: "megleren har ingen nøkkel for deg: den har aldri logget noe om deg, eller den har glemt alle samtykkene dine (oppgi tilstandsfilen fra tidligere kjøringer med --state for å se hvordan historikken din endte)",
            withheld: { "\($0) oppføringer fra før oppgraderingen er bare for revisorer og ble ikke gjennomsøkt (treet beviser dem likevel)" }
        ),
        openToLogIn: "Åpne denne adressen i en nettleser for å logge inn:",
        returnToTerminal: "Du er logget inn hos ID-leverandøren. Lukk dette vinduet og gå tilbake til terminalen.",
        loggedIn: { server, until in "Logget inn hos \(server) til \(until)." },
        loggedOut: "Logget ut.",
        notFound: "Fant ikke samtykket.",
        ended: { status, on in
            switch status {
            case .revoked: "Dette samtykket ble tilbakekalt \(on); ingenting mer kan hentes med det."
            case .denied: "Denne forespørselen ble avslått \(on); ingenting kan hentes med den."
            case .withdrawn: "Banken trakk tilbake denne forespørselen \(on); ingenting mer kan hentes med den."
            case .expired: "Dette samtykket utløp \(on); ingenting mer kan hentes med det."
            case .exhausted: "Dette samtykket ble brukt opp \(on): banken har hentet så mange ganger som det tillot; ingenting mer kan hentes med det."
            case .pending, .active: "Dette samtykket ble endret \(on); se på det igjen med samtykke consent show."
            }
        },
        alreadyGranted: { on, id in
            "Dette samtykket ble gitt \(on) og gjelder; for å avslutte det, tilbakekall det (samtykke consent revoke \(id))."
        },
        notYetGranted: { id in
            "Denne forespørselen er ikke godtatt, så det er ingenting å tilbakekalle; for å si nei, avslå den (samtykke consent deny \(id))."
        },
        forgotten: { status, on in
            "Dette samtykket ble avsluttet (\(statusWord(status))) \(on), og detaljene er slettet etter tjenestens "
                + "oppbevaringstid; samtykke consent log viser fortsatt historikken."
        },
        loginExpired: "Innloggingen din er utløpt. Hent et nytt ID-token (--id-token eller SAMTYKKE_ID_TOKEN) og prøv igjen.",
        loginRefused: "ID-tokenet ditt ble ikke godtatt. Hent et nytt (--id-token eller SAMTYKKE_ID_TOKEN) og prøv igjen.",
        sessionEnded: "Innloggingen din er avsluttet. Logg inn igjen med samtykke login og prøv på nytt.",
        notLoggedIn: "Du er ikke logget inn. Logg inn med samtykke login --server URL (eller oppgi et ID-token med --id-token og --server).",
        noLogin: "Denne megleren har ingen innlogging for innbyggere; spør den som driver den, eller bruk et ID-token (--id-token).",
        loginFailed: "Innloggingen gikk ikke gjennom; ingenting ble endret. Prøv samtykke login igjen.",
        sessionNotKept: { "Innloggingen kunne ikke lagres i \($0); sjekk tilgangen til den mappen." },
        busy: "Tjenesten har mye å gjøre akkurat nå; prøv igjen om et minutt.",
        brokerTrouble: "Tjenesten kunne ikke svare nå; prøv igjen senere.",
        unreachable: { "Får ikke kontakt med tjenesten på \($0); sjekk adressen (--server) og nettverket." },
        unreadable: "Svaret fra tjenesten kunne ikke leses.",
        refused: "Tjenesten avviste forespørselen.",
        receiptRefused: "Tjenesten svarte, men kvitteringen viser ikke at svaret ditt står i loggen; stol ikke på svaret og kontakt tjenesten."
    )

    private static func statusWord(_ status: ConsentStatus) -> String {
        switch status {
        case .pending: "venter"
        case .active: "aktivt"
        case .denied: "avslått"
        case .revoked: "tilbakekalt"
        case .withdrawn: "trukket tilbake"
        case .expired: "utløpt"
        case .exhausted: "brukt opp"
        }
    }

    /// "én gang", "3 ganger".
    private static func times(_ count: Int) -> String {
        count == 1 ? "én gang" : "\(count) ganger"
    }
}
