import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
@testable import SamtykkeServer
import SamtykkeStore
import Synchronization
import Testing
import TestSupport

/// A store that refuses its schema (tables restored without their migration rows) is not asked again
/// every second: the broker logs what is wrong once and stays unready, `/readyz` naming the database.
@Suite(.sameOnEveryBackend) struct StorePreparationTests {
    final class Lines: Sendable {
        private let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    struct Capturing: LogHandler {
        let lines: Lines
        var logLevel: Logger.Level = .info
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            lines.append("\(event.level) \(event.message) \(merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
        }
    }

    @Test func aRefusedSchemaIsLoggedOnceNotRetriedAndNamedByReadiness() async throws {
        let harness = try await RouterHarness.make()
        let lines = Lines()
        let logger = Logger(label: "store-preparation-tests") { _ in Capturing(lines: lines) }
        let attempts = Atomic<Int>(0)
        let why = "database samtykke has the broker's tables but schemaMigration records no migration of them"
        let app = buildApplication(broker: try await harness.build().broker, options: ServerOptions(port: 0), logger: logger, prepare: {
            attempts.add(1, ordering: .relaxed)
            throw StoreFailure(.schema, why)
        })
        try await app.test(.live) { client in
            // Long enough for two more attempts, had it kept trying every second.
            try await Task.sleep(for: .milliseconds(2_500))
            let ready = try await client.send(.get, "/readyz")
            #expect(ready.status == .serviceUnavailable)
            #expect(ready.json["database"] as? String == "unavailable: \(why)", "\(String(buffer: ready.body))")
            let gated = try await client.send(.get, "/v1/consents", bearer: harness.bankKey)
            #expect(gated.status == .serviceUnavailable)
        }
        #expect(attempts.load(ordering: .relaxed) == 1)
        let errors = lines.all.filter { $0.hasPrefix("error ") }
        #expect(errors.count == 1 && errors.allSatisfy { $0.contains(why) }, "\(errors)")
    }
}
