import Crypto
import CurlHTTP
import DevPKI
import Foundation
import SamtykkeCore
import SamtykkeJOSE
import Logging
import SamtykkeApp
import SamtykkeStore
import Synchronization
import TestSupport
import Testing
import TransparencyLog

/// The broker killed with SIGKILL at random moments under load, 20 times, and restarted. Afterwards:
/// the log verifies, every bundle a client received is on it, the uses counted equal the bundles
/// logged, and every consent is in a state its log entries explain.
@Suite(.heavy, .serialized) struct CrashTests {
    struct Received: Sendable {
        let consentId: String
        let bundle: String
        let index: UInt64
    }

    /// What the clients received, and the flag that stops them, shared by the load tasks.
    final class Ledger: Sendable {
        private let state = Mutex<(received: [Received], stopped: Bool)>(([], false))

        func record(_ bundle: Received) { state.withLock { $0.received.append(bundle) } }
        func stop() { state.withLock { $0.stopped = true } }
        var stopped: Bool { state.withLock { $0.stopped } }
        var received: [Received] { state.withLock { $0.received } }

        /// Until a client holds a bundle (a minute at most), so one is in hand before the first kill
        /// however loaded the machine: a full run went through twenty short lives without one.
        func untilFirstBundle() async throws {
            let deadline = ContinuousClock.now + .seconds(60)
            while received.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        }
    }

    @Test func sigkillUnderLoadLosesNothingAcknowledged() async throws {
        try await withTemporaryDirectory { dir in
            try await ProcessStack.with(in: dir) { stack in
            let broker = stack.broker
            let bankKey = stack.bankKey
            var tokens: [String: String] = [:]
            let people = try fixturePeople().prefix(6).map(\.personId.digits)
            for person in people { tokens[person] = try await stack.idToken(for: person) }
            let citizenTokens = tokens
            let ledger = Ledger()

            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<6 {
                    group.addTask {
                        try await Self.load(server: broker.url, bankKey: bankKey, person: people[worker], token: citizenTokens[people[worker]]!,
                                            ledger: ledger)
                    }
                }
                try await ledger.untilFirstBundle()
                for _ in 0..<20 {
                    try await Task.sleep(for: .milliseconds(Int.random(in: 150...500)))
                    await broker.stop(signal: SIGKILL)
                    try broker.start()
                    try await broker.waitUntilReady()
                }
                try await Task.sleep(for: .milliseconds(300))
                ledger.stop()
                try await group.waitForAll()
            }
            #expect(await broker.stop(signal: SIGTERM) == 0)

            try await Self.check(store: stack.store, paths: stack.paths, bank: try OrgNumber(stack.bankOrg), received: ledger.received)
            }
        }
    }

    /// One client's loop: ask, get granted, fetch until refused, sometimes revoke; connection errors
    /// while the broker is down are simply retried.
    static func load(server: String, bankKey: String, person: String, token: String, ledger: Ledger) async throws {
        let bank = Caller(server: server, credential: bankKey)
        let citizen = Caller(server: server, credential: token)
        func attempt(_ body: () async throws -> Answer) async -> Answer? {
            do { return try await body() } catch {
                try? await Task.sleep(for: .milliseconds(20))
                return nil
            }
        }
        while !ledger.stopped {
            guard let created = await attempt({ try await bank.send("POST", "/v1/consents", body: consentRequest(for: person, maxUses: Int.random(in: 1...3))) }),
                created.status == 201, let id = created.json["id"] as? String
            else { continue }
            guard let granted = await attempt({ try await citizen.send("POST", "/v1/me/consents/\(id)/grant") }), granted.status == 200 else { continue }
            let revokeAfter = Int.random(in: 0...4)
            for round in 0..<4 where !ledger.stopped {
                if round == revokeAfter { _ = await attempt({ try await citizen.send("POST", "/v1/me/consents/\(id)/revoke") }) }
                guard let answer = await attempt({ try await bank.send("POST", "/v1/consents/\(id)/bundles") }) else { continue }
                if answer.status == 201, let bundle = answer.json["bundle"] as? String,
                    let index = (answer.json["auditReceipt"] as? [String: Any])?["index"] as? Int {
                    ledger.record(Received(consentId: id, bundle: bundle, index: UInt64(index)))
                }
            }
        }
    }

    static func check(store: StoreLocation, paths: PKIPaths, bank: OrgNumber, received: [Received]) async throws {
        try await OpenedStore.with(store, logger: Logger(label: "test")) { database in
            try await check(database, paths: paths, bank: bank, received: received)
        }
    }

    static func check(_ database: any Store, paths: PKIPaths, bank: OrgNumber, received: [Received]) async throws {
        let signer = try NoteSigner(name: BrokerSettings.defaultLogOrigin, privateKey: KeyFiles.ed25519(paths.logKey.path))
        // The log: contiguous, canonical entries whose root is the signed checkpoint's, at full size.
        let rows = try await database.openedEntries(LogQuery(limit: Int.max))
        var builder = MerkleTreeBuilder()
        var entries: [AuditEntry] = []
        for (position, row) in rows.enumerated() {
            let entry = try #require(row.entry)
            #expect(entry.index == UInt64(position))
            builder.append(leafHash: MerkleHasher.leafHash(row.leaf))
            entries.append(entry)
        }
        let checkpoint = try Checkpoint.open(try #require(try await database.logHead().checkpoint).note, verifier: try NoteVerifier(verifierKey: signer.verifierKey))
        #expect(checkpoint.size == builder.size)
        #expect(checkpoint.rootHash == builder.root())

        // Every bundle a client holds is on the log, with its digest.
        #expect(!received.isEmpty)
        for bundle in received {
            let entry = try #require(entries.first { $0.index == bundle.index })
            let digest = Hash(sha256Of: Array(bundle.bundle.utf8)).hex
            #expect(entry.type == .bundleIssued && entry.details["bundleSha256"] == .string(digest))
            #expect(entry.consentId.description == bundle.consentId)
        }

        // Uses equal bundles logged, and every consent's status is what its last transition says.
        let consents = try await database.consents(ConsentQuery(viewer: .bank(bank), limit: Int.max))
        #expect(!consents.isEmpty)
        for consent in consents {
            let mine = entries.filter { $0.consentId == consent.id }
            #expect(consent.uses == mine.filter { $0.type == .bundleIssued }.count, "consent \(consent.id)")
            let last = mine.last { $0.type.rawValue.hasPrefix("consent.") && $0.type != .consentRequested }
            let expected: ConsentStatus = switch last?.type {
            case .consentGranted: .active
            case .consentDenied: .denied
            case .consentRevoked: .revoked
            case .consentExpired: .expired
            case .consentExhausted: .exhausted
            default: .pending
            }
            #expect(consent.status == expected, "consent \(consent.id)")
        }
    }
}
