import Foundation
import Logging
@testable import PostgresStore
import SamtykkeCore
import SamtykkeStore
import Testing
import TestSupport

/// At `--log-level trace` the broker's log must still name nobody (README, "Logs"): postgres-nio
/// logs every message from the server at trace, data rows as hex, and the rows hold person numbers.
@Suite(.enabled(if: PostgresTestDatabase.isConfigured, Comment(rawValue: PostgresTestDatabase.skipReason)), .sameOnEveryBackend)
struct TraceLoggingTests {
    let fixtures = Fixtures()

    @Test func aTraceLevelLoggerSeesNoRowOfTheDatabase() async throws {
        let lines = CapturingLogHandler.Lines()
        var logger = Logger(label: "postgres-trace-test") { _ in CapturingLogHandler(lines: lines) }
        logger.logLevel = .trace
        try await PostgresTestDatabase.withFresh { url in
            try await PostgresStore(url: url, logger: logger).withRunning { store in
                try await store.migrate()
                _ = try await store.addBank(org: fixtures.bank, name: "Test Sparebank", now: fixtures.now)
                let consent = try fixtures.request()
                _ = try await fixtures.commit(store, [Change(.create(consent))])
                let read = try await store.consent(consent.id, for: .citizen(fixtures.person))
                #expect(read.terms.personId == fixtures.person)
            }
        }
        // As text, and as NIO's hex dumps write bytes: packed, or one byte after another with spaces.
        // The bank's number too: short rows (a bank's) are dumped whole, long ones in part.
        let forms = [fixtures.person.digits, fixtures.bank.digits].flatMap { digits in
            let bytes = digits.utf8.map { String(format: "%02x", $0) }
            return [digits, bytes.joined(), bytes.joined(separator: " ")]
        }
        let leaking = lines.all.filter { line in forms.contains { line.lowercased().contains($0) } }
        #expect(leaking.isEmpty, "\(leaking.prefix(3))")
        // The store still logs what an operator needs at debug and above.
        #expect(lines.all.allSatisfy { !$0.hasPrefix("trace ") }, "\(lines.all.prefix(3))")
    }
}
