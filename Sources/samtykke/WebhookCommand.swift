import ArgumentParser
import Foundation
import SamtykkeApp
import SamtykkeCore
import SamtykkeServer
import SamtykkeStore

/// `samtykke bank webhook add|list|remove`: an operator's hand on a bank's endpoints, straight on
/// the store, as `bank add` is.
struct WebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook",
        abstract: "Register, list and remove a bank's webhook endpoints, and see and replay their deliveries.",
        subcommands: [Add.self, List.self, Remove.self, Log.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register an endpoint; prints its id and signing secret (shown once). Needs the bundle key, which seals the secret."
        )
        @OptionGroup var bank: BankFlags
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

        mutating func validate() throws {
            try Env.require(&url, "url")
            try Env.fill(&pki, "pki")
            try Env.fill(&bundleKey, "bundle-key")
            try Env.fill(&webhookAllowPrivate, "webhook-allow-private")
        }

        func run() async throws {
            try await reportingErrors {
                let (org, url) = (bank.bank, url!)
                let signer = try BrokerSettings(pki: pki, bundleKey: bundleKey).bundleSigner()
                let registrar = WebhookRegistrar(signer: signer, allowPrivate: webhookAllowPrivate)
                let registered = try await bank.store.with { try await registrar.register(url: url, for: org, in: $0, now: Date()) }
                if json { return try printJSON(["id": registered.webhook.id, "url": url, "secret": registered.secret]) }
                print("\(registered.webhook.id) \(registered.secret)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a bank's endpoints and their status (the secrets are never shown again).")
        @OptionGroup var bank: BankFlags
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
                let org = bank.bank
                let webhooks = try await bank.store.with { try await $0.webhooks(of: org) }.map {
                    Listed(id: $0.id, url: $0.url, status: $0.status.rawValue, createdAt: RFC3339.string(from: $0.createdAt))
                }
                if json { return try printJSON(webhooks) }
                for webhook in webhooks { printEscaped("\(webhook.id)  \(webhook.status)  \(webhook.url)  since \(webhook.createdAt)") }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove one of a bank's endpoints; nothing more is sent to it.")
        @OptionGroup var bank: BankFlags
        @Option(help: "The webhook id (wh_…).")
        var id: String?

        mutating func validate() throws {
            try Env.require(&id, "id")
        }

        func run() async throws {
            try await reportingErrors {
                let (org, id) = (bank.bank, id!)
                guard try await bank.store.with({ try await $0.removeWebhook(id: id, of: org) }) else {
                    throw CLIError("bank \(org) has no webhook \(id)")
                }
                print("removed webhook \(id)")
            }
        }
    }

    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an endpoint's delivery attempts, newest first; with --replay, send an event to it again.",
            discussion: """
                Replaying queues the event from its first attempt and makes a failing or disabled endpoint active again: \
                replay once the bank's endpoint is back. The event keeps its id, so a receiver that already has it \
                de-duplicates it.
                """
        )
        @OptionGroup var bank: BankFlags
        @Option(help: "The webhook id (wh_…).")
        var id: String?
        @Option(help: "Most attempts to show (default 50).")
        var limit: Int = 50
        @Option(help: "An event id (evt_…) of this bank's consents to deliver again.")
        var replay: String?
        @Flag(help: "Print JSON.")
        var json = false

        mutating func validate() throws {
            guard limit >= 1 else { throw ValidationError("--limit must be at least 1, not \(limit)") }
            if let replay, EventID(replay) == nil { throw ValidationError("--replay must be an event id (evt_…), not \(replay)") }
            try Env.require(&id, "id")
        }

        func run() async throws {
            try await reportingErrors {
                struct Shown: Encodable {
                    let event: String
                    let attempt: Int
                    let at: String
                    let milliseconds: Int
                    let status: Int?
                    let error: String?
                }
                let (org, id) = (bank.bank, id!)
                if let replay, let event = EventID(replay) {
                    guard try await bank.store.with({ try await $0.replayDelivery(event: event, webhook: id, of: org, now: Date()) }) else {
                        throw CLIError("bank \(org) has no webhook \(id), or no event \(event)")
                    }
                    return print("queued \(event) for webhook \(id) again")
                }
                guard let attempts = try await bank.store.with({ try await $0.deliveryLog(webhook: id, of: org, limit: limit) }) else {
                    throw CLIError("bank \(org) has no webhook \(id)")
                }
                let shown = attempts.map { attempt -> Shown in
                    let (status, error) = attempt.result.columns
                    return Shown(
                        event: attempt.event.description, attempt: attempt.attempt, at: RFC3339.string(from: attempt.at),
                        milliseconds: attempt.milliseconds, status: status, error: error
                    )
                }
                if json { return try printJSON(shown) }
                for attempt in shown {
                    let result = attempt.status.map { "HTTP \($0)" } ?? attempt.error ?? ""
                    printEscaped("\(attempt.at)  \(attempt.event)  attempt \(attempt.attempt)  \(attempt.milliseconds) ms  \(result)")
                }
            }
        }
    }
}
