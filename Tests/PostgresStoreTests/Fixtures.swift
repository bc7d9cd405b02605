import Crypto
import Foundation
import NIOCore
import PostgresNIO
@testable import PostgresStore
import SamtykkeCore
import SamtykkeStore
import TransparencyLog

/// Parties, terms and a log key for the tests, all synthetic.
struct Fixtures {
    let now = Date(timeIntervalSince1970: 1_790_000_000)
    let bank = try! OrgNumber("986352325")
    /// A synthetic number (month + 80) with valid check digits.
    let person = try! PersonID("24859045681")
    let signer = LogSigner(origin: "test.local/log", signer: try! NoteSigner(name: "test.local/log", privateKey: Curve25519.Signing.PrivateKey()))

    var verifier: NoteVerifier { try! NoteVerifier(verifierKey: signer.verifierKey) }

    /// A log trigger's refusal as `PostgresStore.refusal(of:)` reports it: SQLSTATE 23000
    /// (integrity_constraint_violation) and a message saying the log is append-only.
    static let appendOnlyRefusal = "23000 append-only"

    func request() throws -> Consent {
        let time = now
        let terms = try ConsentTerms(
            personId: person, scopes: [.income, .debt], years: [2024], purpose: try Purpose(code: "loan-application", text: "Mortgage"),
            validUntil: time.addingTimeInterval(86_400), maxUses: 1, now: time, policy: ConsentPolicy()
        )
        return Consent(bankOrg: bank, terms: terms, now: time, policy: ConsentPolicy())
    }

    func issue(_ n: Int = 1) -> BundleIssue {
        BundleIssue(
            bundleID: "bundle-\(n)", bundleSHA256: String(repeating: "ab", count: 32), scopes: [.income, .debt], years: [2024],
            sourceSHA256: String(repeating: "cd", count: 32)
        )
    }

    /// Commits `changes` at `now` and returns each outcome, failing the test on a thrown error.
    func commit(_ store: PostgresStore, _ changes: [Change], at time: Date? = nil) async throws -> CommittedBatch {
        try await store.commit(changes, at: time ?? now, signer: signer)
    }
}

extension PostgresStore {
    /// Runs raw SQL on the store's database, as an operator (or an attacker with its credentials) could.
    func execute(_ sql: String) async throws {
        _ = try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect()
    }

    /// How PostgreSQL refused `sql`: `Fixtures.appendOnlyRefusal` when a log trigger did; nil when it ran.
    func refusal(of sql: String) async -> String? {
        do {
            try await execute(sql)
            return nil
        } catch let error as PSQLError {
            let message = error.serverInfo?[.message] ?? "\(error.code)"
            return (error.serverInfo?[.sqlState] ?? "no SQLSTATE") + (message.contains("append-only") ? " append-only" : ": \(message)")
        } catch {
            return "\(error)"
        }
    }

    /// The one integer column of `sql`'s rows.
    func integers(_ sql: String) async throws -> [Int] {
        var values: [Int] = []
        for try await value in try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(Int.self) {
            values.append(value)
        }
        return values
    }

    /// Every stored leaf in index order.
    func allLeaves() async throws -> [(index: Int64, leaf: [UInt8], leafHash: [UInt8])] {
        var leaves: [(Int64, [UInt8], [UInt8])] = []
        let rows = try await client.query("SELECT idx, leaf, leafHash FROM auditEntry ORDER BY idx", logger: logger)
        for try await (index, leaf, hash) in rows.decode((Int64, ByteBuffer, ByteBuffer).self) {
            leaves.append((index, Array(leaf.readableBytesView), Array(hash.readableBytesView)))
        }
        return leaves
    }
}

/// A `SubtreeHashSource` over a store's nodes, one read per node: the tests' independent way to a root.
struct StoredNodes: SubtreeHashSource {
    let hashes: [SubtreeCoordinate: Hash]

    init(_ store: PostgresStore) async throws {
        var hashes: [SubtreeCoordinate: Hash] = [:]
        let rows = try await store.client.query("SELECT level, idx, hash FROM merkleNode", logger: store.logger)
        for try await (level, index, hash) in rows.decode((Int, Int64, ByteBuffer).self) {
            hashes[SubtreeCoordinate(level: level, index: UInt64(index))] = Hash(bytes: hash.readableBytesView)
        }
        self.hashes = hashes
    }

    func perfectSubtreeHash(level: Int, index: UInt64) throws -> Hash {
        guard let hash = hashes[SubtreeCoordinate(level: level, index: index)] else {
            throw MerkleTreeError.missingSubtree(level: level, index: index)
        }
        return hash
    }
}
