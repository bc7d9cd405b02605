import Foundation
import Testing
import TestSupport

/// Settings that would make the broker unsafe or crash it are refused before it starts, each with
/// an error naming the flag; settings from the environment are held to the same rules.
@Suite(.heavy, .sameOnEveryBackend) struct SettingsValidationTests {
    /// Arguments, environment, and what stderr must say.
    struct Case: Sendable, CustomTestStringConvertible {
        let arguments: [String]
        let environment: [String: String]
        let says: String
        var testDescription: String { (environment.map { "\($0)=\($1)" } + arguments).joined(separator: " ") }

        init(_ arguments: [String], environment: [String: String] = [:], says: String) {
            self.arguments = arguments
            self.environment = environment
            self.says = says
        }
    }

    static let refused: [Case] = [
        Case(["serve", "--rate-per-second", "0"], says: "--rate-per-second must be at least 1, not 0"),
        Case(["serve", "--rate-per-second=-3"], says: "--rate-per-second must be at least 1, not -3"),
        Case(["serve", "--rate-burst", "0"], says: "--rate-burst must be at least 1, not 0"),
        Case(["serve"], environment: ["SAMTYKKE_RATE_PER_SECOND": "0"], says: "--rate-per-second must be at least 1, not 0"),
        Case(["serve", "--header-timeout", "0"], says: "--header-timeout must be 1–86400, not 0"),
        Case(["serve", "--idle-timeout=-5"], says: "--idle-timeout must be 1–86400, not -5"),
        Case(["serve"], environment: ["SAMTYKKE_BODY_TIMEOUT": "0"], says: "--body-timeout must be 1–86400, not 0"),
        Case(["serve", "--max-connections", "0"], says: "--max-connections must be 1–1000000, not 0"),
        Case(["serve", "--first-byte-timeout", "0"], says: "--first-byte-timeout must be 1–86400, not 0"),
        Case(["serve"], environment: ["SAMTYKKE_MAX_CONNECTIONS_PER_ADDRESS": "0"], says: "--max-connections-per-address must be 1–1000000, not 0"),
        Case(["serve", "--address-rate-per-second", "0"], says: "--address-rate-per-second must be 1–1000000, not 0"),
        Case(["serve", "--address-rate-burst", "0"], says: "--address-rate-burst must be 1–1000000, not 0"),
        Case(["serve", "--audit-rate-per-second", "0"], says: "--audit-rate-per-second must be 1–1000000, not 0"),
        Case(["serve"], environment: ["SAMTYKKE_WITNESS": "nonsense"], says: "--witness must be URL=VKEY, not nonsense"),
        Case(
            ["serve", "--witness", "https://user:secret@witness.example/w1=witness.example/w1+01234567+BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
            says: "--witness must not carry a user name or password in its URL"
        ),
        Case(["serve"], environment: ["SAMTYKKE_AUDIT_RATE_BURST": "2000000"], says: "--audit-rate-burst must be 1–1000000, not 2000000"),
        Case(["serve", "--trusted-proxy", "10.0.0.0/33"], says: "--trusted-proxy must be an IP address or network, not 10.0.0.0/33"),
        Case(["serve"], environment: ["SAMTYKKE_TRUSTED_PROXY": "10.0.0.1, proxy.local"], says: "--trusted-proxy must be an IP address or network, not proxy.local"),
        Case(["serve", "--port", "70000"], says: "--port must be 0–65535, not 70000"),
        Case(["serve", "--port=-1"], says: "--port must be 0–65535, not -1"),
        Case(["serve", "--log-level", "loud"], says: "'loud' is invalid for '--log-level"),
        Case(["serve"], environment: ["SAMTYKKE_LOG_LEVEL": "loud"], says: "SAMTYKKE_LOG_LEVEL is not a valid value"),
        Case(["serve", "--log-format", "xml"], says: "'xml' is invalid for '--log-format"),
        Case(["serve"], environment: ["SAMTYKKE_LOG_FORMAT": "xml"], says: "SAMTYKKE_LOG_FORMAT is not a valid value"),
        Case(["mock-tax-agency", "--log-level", "loud"], says: "'loud' is invalid for '--log-level"),
        Case(["mock-tax-agency", "--port", "70000"], says: "--port must be 0–65535, not 70000"),
        Case(["mock-tax-agency"], environment: ["SAMTYKKE_PORT": "-1"], says: "--port must be 0–65535, not -1"),
        Case(["witness", "serve", "--key", "w.key", "--name", "w.example/w1", "--port", "65536"], says: "--port must be 0–65535, not 65536"),
        Case(["witness", "serve", "--key", "w.key", "--name", "w.example/w1", "--port=-1"], says: "--port must be 0–65535, not -1"),
        Case(["serve", "--webhook-timeout", "0"], says: "--webhook-timeout must be 1–60 seconds, not 0"),
        Case(["serve", "--webhook-timeout", "61"], says: "--webhook-timeout must be 1–60 seconds, not 61"),
        Case(["serve"], environment: ["SAMTYKKE_WEBHOOK_TIMEOUT": "-2"], says: "--webhook-timeout must be 1–60 seconds, not -2"),
        Case(["serve", "--id-token-max-lifetime", "0"], says: "--id-token-max-lifetime must be 1–3600 seconds, not 0"),
        Case(["serve", "--id-token-max-lifetime", "3601"], says: "--id-token-max-lifetime must be 1–3600 seconds, not 3601"),
        Case(["serve"], environment: ["SAMTYKKE_ID_TOKEN_MAX_LIFETIME": "86400"], says: "--id-token-max-lifetime must be 1–3600 seconds, not 86400"),
        Case(["serve", "--agency-proxy", "socks5://127.0.0.1:1080"], says: "'socks5://127.0.0.1:1080' is invalid for '--agency-proxy"),
        Case(["serve"], environment: ["SAMTYKKE_AGENCY_PROXY": "proxy.local:3128"], says: "SAMTYKKE_AGENCY_PROXY is not a valid value"),
        Case(["serve", "--retention", "90"], says: "--retention must be a whole number of days or hours, such as 90d or 12h, not 90"),
        Case(["serve", "--retention", "3m"], says: "--retention must be a whole number of days or hours, such as 90d or 12h, not 3m"),
        Case(["serve", "--retention", "+5d"], says: "--retention must be a whole number of days or hours, such as 90d or 12h, not +5d"),
        Case(["serve", "--retention", "0h"], says: "--retention must be at least 1h and at most 3650d, not 0h"),
        Case(["serve", "--retention", "3651d"], says: "--retention must be at least 1h and at most 3650d, not 3651d"),
        Case(["serve"], environment: ["SAMTYKKE_RETENTION": "1.5d"], says: "--retention must be a whole number of days or hours, such as 90d or 12h, not 1.5d"),
        Case(["serve", "--id-jwks", "http://idp.example.invalid/jwks"], says: "--id-jwks must be an https URL or a file, not http://idp.example.invalid/jwks"),
        Case(["serve", "--id-jwks", "HTTP://idp.example.invalid/jwks"], says: "--id-jwks must be an https URL or a file"),
        Case(["serve", "--id-jwks", "ftp://idp.example.invalid/jwks"], says: "--id-jwks must be an https URL or a file"),
        Case(["serve"], environment: ["SAMTYKKE_ID_JWKS": "http://idp.example.invalid/jwks"], says: "--id-jwks must be an https URL or a file"),
        Case(["dev", "id-token", "--pki", "/nonexistent", "--pid", "12345678901"], says: "--pid 12345678901 is not a national identity number"),
        // The consent page's form-action must name the bank's origin: a CSP source names no IPv6 literal.
        Case(["bank", "redirect", "add", "--data-dir", "/nonexistent", "--org", "986352325", "https://[::1]:8443/back"], says: "must have a DNS name or an IPv4 address as its host"),
        Case(
            ["bank", "add", "--data-dir", "/nonexistent", "--org", "986352325", "--name", "B", "--redirect-uri", "https://bank_1.example/back"],
            says: "must have a DNS name or an IPv4 address as its host"
        ),
        Case(["dev", "id-token", "--pki", "/nonexistent", "--pid", "1483035125"], says: "--pid 1483035125 is not a national identity number"),
        Case(["dev", "id-token", "--pki", "/nonexistent", "--pid", "14830351257", "--lifetime", "0"], says: "--lifetime must be at least 1 second"),
    ]

    @Test(arguments: refused)
    func isRefusedNamingTheFlag(_ refusal: Case) async throws {
        let result = try await runCLI(refusal.arguments, environment: refusal.environment)
        #expect(result.status != 0)
        #expect(result.stderr.contains(refusal.says), "\(result.stderr)")
    }

    /// The agency is reached only over mutual TLS: an http URL stops `serve` with one line naming
    /// the flag, before the store is opened.
    @Test(arguments: ["http://127.0.0.1:9", "HTTP://agency.example.invalid"])
    func anHTTPTaxAgencyIsRefusedBeforeAnythingOpens(_ url: String) async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("data")
            let result = try await runCLI(["serve", "--data-dir", data.path, "--tax-agency", url, "--port", "0"])
            #expect(result.status != 0)
            #expect(result.stderr == "samtykke: --tax-agency must be an https URL (the agency is reached only over mutual TLS), not \(url)\n", "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: data.path))
        }
    }

    /// At a provider of its own, a broker must know the audience its ID tokens name it by: the dev
    /// provider's default would take tokens issued to any client registered under that name.
    @Test func anIDIssuerWithoutAnAudienceIsRefusedBeforeAnythingOpens() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("data")
            let serve = ["serve", "--data-dir", data.path, "--tax-agency", "https://127.0.0.1:9", "--port", "0", "--id-issuer", "https://idp.example.invalid"]
            let result = try await runCLI(serve)
            #expect(result.status != 0)
            #expect(
                result.stderr == "samtykke: --id-issuer needs --id-audience or --id-client-id: the audience (aud) that names this broker in the provider's ID tokens\n",
                "\(result.stderr)"
            )
            #expect(!FileManager.default.fileExists(atPath: data.path))
        }
    }

    /// These get past validation and stop only at the first thing missing for a real start.
    @Test(arguments: [
        ["serve", "--id-jwks", "/etc/samtykke/idporten-jwks.json"],
        ["serve", "--id-jwks", "https://idporten.no/jwks.json", "--rate-per-second", "1", "--rate-burst", "1", "--port", "0", "--log-level", "debug"],
        [
            "serve", "--idle-timeout", "1", "--header-timeout", "86400", "--body-timeout", "5", "--max-connections", "1",
            "--address-rate-per-second", "1", "--address-rate-burst", "1", "--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "::1",
            "--audit-rate-per-second", "5000", "--audit-rate-burst", "10000", "--first-byte-timeout", "2", "--max-connections-per-address", "1",
        ],
        ["serve", "--retention", "400d"],
        ["serve", "--webhook-timeout", "1", "--id-token-max-lifetime", "1", "--agency-proxy", "http://proxy.local:3128"],
        ["serve", "--webhook-timeout", "60", "--id-token-max-lifetime", "3600", "--agency-proxy", "https://proxy.local"],
        ["serve", "--retention", "12h"],
        ["serve", "--retention", "1h"],
        ["serve", "--retention", "3650d"],
    ])
    func goodSettingsPassValidation(_ arguments: [String]) async throws {
        let result = try await runCLI(arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains("missing --data-dir"), "\(result.stderr)")
    }
}
