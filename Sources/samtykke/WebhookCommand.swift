import ArgumentParser
import Foundation
import SamtykkeCore
import SamtykkeServer
import SamtykkeStore

/// `samtykke bank webhook add|list|remove`: an operator's hand on a bank's endpoints, straight on
/// the store, as `bank add` is.
struct WebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook",
        abstract: "Register, list and remove a bank's webhook endpoints.",
        subcommands: [Add.self, List.self, Remove.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register an endpoint; prints its id and signing secret (shown once). Needs the bundle key, which seals the secret."
        )
        @OptionGroup var store: StoreFlags
        @Option(help: "The bank's organisation number.")
        var org: String?
        @Option(help: "The endpoint, an https URL.")
        var url: String?
        @Option(help: "A dev PKI from `samtykke dev pki`, for its bundle-signing key.")
        var pki: String?
        @Option(help: "The broker's bundle-signing key (P-256, mode 0600), instead of --pki.")
        var bundleKey: String?
        @Flag(help: "Accept loopback, link-local and private targets (development and tests only).")
        var webhookAllowPrivate = false
        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            try await reportingErrors {
                let org = try OrgNumber(try Env.require("org", org))
                let url = try Env.require("url", url)
                let signer = try await BrokerSettings(pki: Env.value("pki", pki), bundleKey: bundleKey).bundleSigner()
                let allowPrivate = try Env.parsed("webhook-allow-private", webhookAllowPrivate ? true : nil) ?? false
                let registrar = WebhookRegistrar(signer: signer, allowPrivate: allowPrivate)
                let registered = try await store.with { try await registrar.register(url: url, for: org, in: $0, now: Date()) }
                if json { return try printJSON(["id": registered.webhook.id, "url": url, "secret": registered.secret]) }
                print("\(registered.webhook.id) \(registered.secret)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a bank's endpoints and their status (the secrets are never shown again).")
        @OptionGroup var store: StoreFlags
        @Option(help: "The bank's organisation number.")
        var org: String?
        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            try await reportingErrors {
                struct Listed: Encodable {
                    let id: String
                    let url: String
                    let status: String
                    let createdAt: String
                }
                let org = try OrgNumber(try Env.require("org", org))
                let webhooks = try await store.with { try await $0.webhooks(of: org) }.map {
                    Listed(id: $0.id, url: $0.url, status: $0.status.rawValue, createdAt: RFC3339.string(from: $0.createdAt))
                }
                if json { return try printJSON(webhooks) }
                for webhook in webhooks { print("\(webhook.id)  \(webhook.status)  \(webhook.url)  since \(webhook.createdAt)") }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove one of a bank's endpoints; nothing more is sent to it.")
        @OptionGroup var store: StoreFlags
        @Option(help: "The bank's organisation number.")
        var org: String?
        @Option(help: "The webhook id (wh_…).")
        var id: String?

        func run() async throws {
            try await reportingErrors {
                let org = try OrgNumber(try Env.require("org", org))
                let id = try Env.require("id", id)
                guard try await store.with({ try await $0.removeWebhook(id: id, of: org) }) else {
                    throw CLIError("bank \(org) has no webhook \(id)")
                }
                print("removed webhook \(id)")
            }
        }
    }
}
