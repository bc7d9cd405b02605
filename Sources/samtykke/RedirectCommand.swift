import ArgumentParser
import Foundation
import SamtykkeCore
import SamtykkeStore

/// `samtykke bank redirect add|list|remove`: the exact URLs a bank may send its customers back to
/// from the consent page (SPEC §2b). A running broker reads them at every consent request.
struct RedirectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redirect",
        abstract: "Add, list and remove the URLs a bank may send citizens back to (https; http only on 127.0.0.1 or localhost).",
        subcommands: [Add.self, List.self, Remove.self]
    )

    /// A URL as given on the command line, checked as the store takes it.
    static func uri(_ text: String) throws -> RedirectURI {
        do {
            return try RedirectURI(text, field: "URL")
        } catch {
            throw ValidationError("\(text): \(error.reason)")
        }
    }

    /// A URL to register: one whose origin the consent page's Content-Security-Policy can name
    /// (`RedirectURI.origin`).
    static func registrable(_ text: String) throws -> RedirectURI {
        let uri = try uri(text)
        guard uri.origin != nil else {
            throw ValidationError("\(text): must have a DNS name or an IPv4 address as its host (the consent page's form-action names the bank's origin)")
        }
        return uri
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a redirect URI for a bank.")
        @OptionGroup var bank: BankFlags
        @Argument(help: "The exact URL; a consent's redirectUrl must equal it byte for byte.", transform: RedirectCommand.registrable)
        var url: RedirectURI

        func run() async throws {
            try await reportingErrors {
                let (org, url) = (bank.bank, url)
                let added = try await bank.store.with { try await $0.addRedirectURI(url, org: org, now: Date()) }
                print(added ? "added \(url)" : "\(url) was already registered")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a bank's redirect URIs, oldest first.")
        @OptionGroup var bank: BankFlags
        @Flag(help: "Print JSON: {redirectUris:[…]}.")
        var json = false

        func run() async throws {
            try await reportingErrors {
                let org = bank.bank
                let uris = try await bank.store.with { try await $0.redirectURIs(of: org) }
                if json { return try printJSON(["redirectUris": uris.map(\.text)]) }
                // Checked printable ASCII when registered: safe on a terminal.
                for uri in uris { print(uri.text) }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a bank's redirect URI; consents asked for from then on may not name it.")
        @OptionGroup var bank: BankFlags
        @Argument(help: "The exact URL.", transform: RedirectCommand.uri)
        var url: RedirectURI

        func run() async throws {
            try await reportingErrors {
                let (org, url) = (bank.bank, url)
                guard try await bank.store.with({ try await $0.removeRedirectURI(url, org: org) }) else {
                    throw CLIError("bank \(org) has no redirect URI \(url)")
                }
                print("removed \(url)")
            }
        }
    }
}
