import Foundation
import SamtykkeAPI
import SamtykkeCore

/// The consent pages' words in bokmål and English (SPEC §2b). Which one a request gets: `?lang=nb|en`,
/// else the first of those in `Accept-Language`, else bokmål.
struct PageText: Sendable {
    let lang: String
    let otherLang: String
    let otherLanguage: String
    let site: String
    let consentTitle: String
    let purposeLabel: String
    let dataLabel: String
    let yearsLabel: String
    let untilLabel: String
    let usesLabel: String
    let statusLabel: String
    let bankLabel: String
    let actionLabel: String
    let grant: String
    let deny: String
    let revoke: String
    let open: String
    let logout: String
    let allConsents: String
    let meTitle: String
    let consentsHeading: String
    let noConsents: String
    let logHeading: String
    let noEntries: String
    let asks: @Sendable (_ bank: String, _ org: String) -> String
    let uses: @Sendable (_ max: Int, _ used: Int) -> String
    /// The access log's language, whose words for the data (and lists of them) the pages share.
    let language: Language
    let statuses: [ConsentStatus: String]
    let doneTitle: String
    let done: [ConsentStatus: String]
    let notFoundTitle: String
    let notFound: String
    let conflictTitle: String
    let conflict: String
    let forbiddenTitle: String
    let badForm: String
    let loginFailedTitle: String
    let loginFailed: String
    let loginUnavailable: String
    let loggedOutTitle: String
    let loggedOut: String
    let tryAgain: String

    static func choose(query: String?, acceptLanguage: String?) -> PageText {
        if let query, let text = byCode[query] { return text }
        for range in (acceptLanguage ?? "").split(separator: ",") {
            let tag = range.split(separator: ";")[0].trimmingCharacters(in: .whitespaces).lowercased()
            let primary = String(tag.split(separator: "-").first ?? "")
            if ["nb", "no", "nn"].contains(primary) { return bokmal }
            if primary == "en" { return english }
        }
        return bokmal
    }

    static let byCode = ["nb": bokmal, "en": english]

    func date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: lang == "nb" ? "nb_NO" : "en_GB")
        formatter.timeZone = TimeZone(identifier: "Europe/Oslo")
        formatter.dateStyle = .long
        formatter.timeStyle = .short
        return formatter.string(from: date)
    }

    static let bokmal = PageText(
        lang: "nb", otherLang: "en", otherLanguage: "English", site: "Samtykke", consentTitle: "Samtykke til å dele skatteopplysninger",
        purposeLabel: "Formål", dataLabel: "Opplysninger", yearsLabel: "Inntektsår", untilLabel: "Gyldig til", usesLabel: "Antall ganger",
        statusLabel: "Status", bankLabel: "Bank", actionLabel: "Handling", grant: "Gi samtykke", deny: "Avslå", revoke: "Trekk tilbake", open: "Vis",
        logout: "Logg ut", allConsents: "Alle dine samtykker", meTitle: "Dine samtykker", consentsHeading: "Samtykker",
        noConsents: "Ingen banker har bedt om samtykke fra deg.", logHeading: "Hvem har sett hva", noEntries: "Ingenting er registrert om deg ennå.",
        asks: { bank, org in "\(bank) (organisasjonsnummer \(org)) ber om å få hente opplysninger om deg fra Skatteetaten." },
        uses: { max, used in "Høyst \(max) \(max == 1 ? "gang" : "ganger"), brukt \(used)" },
        language: .bokmål,
        statuses: [
            .pending: "venter på svar", .active: "gitt", .denied: "avslått", .revoked: "trukket tilbake", .withdrawn: "trukket av banken",
            .expired: "utløpt", .exhausted: "brukt opp",
        ],
        doneTitle: "Takk", done: [.active: "Du har gitt samtykke.", .denied: "Du har avslått forespørselen.", .revoked: "Du har trukket tilbake samtykket."],
        notFoundTitle: "Fant ikke siden", notFound: "Vi fant ikke dette samtykket. Sjekk lenken du fikk fra banken.",
        conflictTitle: "Samtykket er endret", conflict: "Samtykket ble endret mens du så på det, så valget ditt ble ikke lagret. Se hvordan det står nå.",
        forbiddenTitle: "Skjemaet er utløpt", badForm: "Skjemaet kom ikke fra denne innloggingen. Åpne siden på nytt og prøv igjen.",
        loginFailedTitle: "Innloggingen mislyktes", loginFailed: "Innloggingen kunne ikke fullføres. Ingenting er endret.",
        loginUnavailable: "Innlogging er ikke satt opp på denne tjenesten.", loggedOutTitle: "Du er logget ut", loggedOut: "Du er logget ut.",
        tryAgain: "Prøv igjen"
    )

    static let english = PageText(
        lang: "en", otherLang: "nb", otherLanguage: "Norsk (bokmål)", site: "Samtykke", consentTitle: "Consent to share tax information",
        purposeLabel: "Purpose", dataLabel: "Information", yearsLabel: "Income years", untilLabel: "Valid until", usesLabel: "Number of times",
        statusLabel: "Status", bankLabel: "Bank", actionLabel: "Action", grant: "Grant", deny: "Deny", revoke: "Revoke", open: "View",
        logout: "Log out", allConsents: "All your consents", meTitle: "Your consents", consentsHeading: "Consents",
        noConsents: "No bank has asked for your consent.", logHeading: "Who saw what", noEntries: "Nothing has been recorded about you yet.",
        asks: { bank, org in "\(bank) (organisation number \(org)) asks to fetch information about you from the Tax Administration." },
        uses: { max, used in "At most \(max) \(max == 1 ? "time" : "times"), used \(used)" },
        language: .english,
        statuses: [
            .pending: "waiting for your answer", .active: "granted", .denied: "denied", .revoked: "revoked", .withdrawn: "withdrawn by the bank",
            .expired: "expired", .exhausted: "used up",
        ],
        doneTitle: "Thank you", done: [.active: "You granted the consent.", .denied: "You denied the request.", .revoked: "You revoked the consent."],
        notFoundTitle: "Page not found", notFound: "We could not find this consent. Check the link your bank gave you.",
        conflictTitle: "The consent has changed", conflict: "The consent changed while you were looking at it, so your choice was not saved. See how it stands now.",
        forbiddenTitle: "The form has expired", badForm: "The form did not come from this login. Open the page again and try once more.",
        loginFailedTitle: "Login failed", loginFailed: "The login could not be completed. Nothing was changed.",
        loginUnavailable: "Login is not set up on this service.", loggedOutTitle: "You are logged out", loggedOut: "You are logged out.",
        tryAgain: "Try again"
    )
}
