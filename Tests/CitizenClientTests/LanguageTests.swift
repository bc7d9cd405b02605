import CitizenClient
import SamtykkeAPI
import SamtykkeCore
import Testing
import TestSupport

/// The citizen's language from the locale variables, in POSIX's order.
@Suite(.sameOnEveryBackend) struct LanguageTests {
    @Test(arguments: [
        (["LANG": "nb_NO.UTF-8"], Language.bokmål),
        (["LANG": "nn_NO.UTF-8"], .bokmål),
        (["LANG": "no_NO"], .bokmål),
        (["LANG": "nb"], .bokmål),
        (["LANG": "en_GB.UTF-8"], .english),
        (["LANG": "C.UTF-8"], .english),
        (["LANG": "POSIX"], .english),
        (["LANG": "nbx_NO"], .english),
        ([:], .english),
        (["LANG": "nb_NO.UTF-8", "LC_ALL": "C"], .english),
        (["LANG": "en_US.UTF-8", "LC_MESSAGES": "nb_NO.UTF-8"], .bokmål),
        (["LC_MESSAGES": "en_US.UTF-8", "LC_ALL": "nn_NO"], .bokmål),
        (["LANG": "nb_NO.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""], .bokmål),
    ])
    func languageFromTheEnvironment(environment: [String: String], expected: Language) {
        #expect(Language.from(environment: environment) == expected, "\(environment)")
    }

    @Test func eachLanguageHasItsOwnWords() {
        let english = Language.english.strings
        let bokmål = Language.bokmål.strings
        #expect(english.headers.validUntil == "VALID UNTIL" && bokmål.headers.validUntil == "GYLDIG TIL")
        #expect(english.status(.revoked) == "revoked" && bokmål.status(.revoked) == "tilbakekalt")
        #expect(english.scope(.wealth) == "wealth" && bokmål.scope(.wealth) == "formue")
        #expect(english.confirm(.revoke).hasSuffix("[y/N] ") && bokmål.confirm(.revoke).hasSuffix("[j/N] "))
        #expect(bokmål.yes.contains("ja") && !english.yes.contains("ja"))
        // Every status reads differently in the two languages but the ones spelled alike.
        for status in [.pending, .active, .denied, .revoked, .withdrawn, .expired, .exhausted] as [ConsentStatus] {
            #expect(english.status(status) != bokmål.status(status))
        }
    }
}
