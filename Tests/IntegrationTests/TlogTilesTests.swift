import ChildProcess
import Foundation
import TestSupport
import Testing

/// The log served as C2SP tlog-tiles: what a tile client reads agrees with the signed checkpoint,
/// as `scripts/verify-tiles.py` (written from the C2SP specs) checks, and only what that checkpoint
/// covers is served.
@Suite(.heavy) struct TlogTilesTests {
    /// 38 days of activity: 304 entries, one full level-0 tile, a partial one of 48, and one hash at
    /// level 1.
    static func withLog(_ body: @Sendable (AuditedBroker) async throws -> Void) async throws {
        try await AuditedBroker.with { broker in
            for _ in 1..<38 { try await AuditedBroker.addActivity(broker.run) }
            try await body(broker)
        }
    }

    @Test
    func aTileClientWrittenFromTheSpecsVerifiesTheLogAndCatchesAChangedEntry() async throws {
        try await Self.withLog { broker in
            let python = try await PythonVerifier.verifyTiles(["--server", broker.url, "--auditor-key", broker.auditorKey])
            #expect(python.status == 0, "\(python.stderr)")
            #expect(python.stdout.contains(", 304 entries\n"), "\(python.stdout)")
            #expect(python.stdout.contains("signature: Ed25519 by"), "\(python.stdout)")
            #expect(python.stdout.contains("tiles: 3 at 2 levels, consistent"), "\(python.stdout)")
            #expect(python.stdout.contains("entries: 304 from 2 bundles"), "\(python.stdout)")

            let swift = try await withTemporaryDirectory { dir in try await broker.verify(state: dir.appendingPathComponent("state.json")) }
            let root = { (text: String, prefix: String) in text.split(separator: "\n").first { $0.hasPrefix(prefix) }?.dropFirst(prefix.count) }
            #expect(root(python.stdout, "root: ") != nil && root(python.stdout, "root: ") == root(swift.stdout, "root hash: "), "\(python.stdout) \(swift.stdout)")

            try broker.tamperer.tamper { db in
                var leaf = try broker.tamperer.leaf(270, db)
                leaf[leaf.count - 3] ^= 0x01
                try broker.tamperer.setLeaf(270, leaf, db)
            }
            let tampered = try await PythonVerifier.verifyTiles(["--server", broker.url, "--auditor-key", broker.auditorKey])
            #expect(tampered.status == 1)
            #expect(tampered.stderr == "verify-tiles: FAIL: entry 270 does not hash to its level-0 tile hash\n", "\(tampered.stderr)")
        }
    }

    /// Go's `golang.org/x/mod/sumdb/tlog`, the reference tiled-log code (Debian's package, installed by
    /// scripts/install-system-packages), reads the public tiles and entry bundles with no key and
    /// rebuilds the signed root (`scripts/tlog-go`); a changed leaf no longer rebuilds it.
    @Test
    func goTlogRebuildsTheRootFromThePublicEntryBundles() async throws {
        try await Self.withLog { broker in
            let honest = try await Self.goTlog(broker.url)
            #expect(honest.status == 0, "\(honest.stderr)")
            #expect(honest.stdout.hasPrefix("tlog-go: 304 entries rebuild root "), "\(honest.stdout)")

            try broker.tamperer.tamper { db in
                var leaf = try broker.tamperer.leaf(270, db)
                leaf[leaf.count - 3] ^= 0x01
                try broker.tamperer.setLeaf(270, leaf, db)
            }
            let tampered = try await Self.goTlog(broker.url)
            // `go run` adds its own "exit status 1" line after the program's.
            #expect(tampered.status == 1)
            #expect(tampered.stderr.hasPrefix("tlog-go: FAIL: the entries do not rebuild the checkpoint's root\n"), "\(tampered.stderr)")
        }
    }

    static func goTlog(_ url: String) async throws -> CommandResult {
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("samtykke-go-cache").path
        return try await Command.run(
            "go", ["run", Package.root.appendingPathComponent("scripts/tlog-go/main.go").path, url],
            environment: ["GO111MODULE": "off", "GOPATH": "/usr/share/gocode", "GOCACHE": cache, "GOFLAGS": "", "GOPROXY": "off"]
        )
    }

    @Test func onlyTilesTheCheckpointCoversAreServedAndFullOnesAreImmutable() async throws {
        try await Self.withLog { broker in
            let anyone = Caller(server: broker.url, credential: nil)
            let auditor = Caller(server: broker.url, credential: broker.auditorKey)

            let checkpoint = try await anyone.send("GET", "/v1/audit/tlog/checkpoint")
            #expect(checkpoint.status == 200 && checkpoint.text.split(separator: "\n")[1] == "304")
            #expect(checkpoint.text == (try await anyone.send("GET", "/v1/audit/checkpoint")).text)
            #expect(checkpoint.header("Cache-Control") == "public, max-age=2")

            let full = try await anyone.send("GET", "/v1/audit/tlog/tile/0/000")
            #expect(full.status == 200 && full.body.count == 256 * 32)
            #expect(full.header("Cache-Control") == "public, max-age=31536000, immutable")
            let partial = try await anyone.send("GET", "/v1/audit/tlog/tile/0/001.p/48")
            #expect(partial.status == 200 && partial.body.count == 48 * 32)
            #expect(partial.header("Cache-Control") == "public, max-age=10")
            // A narrower partial tile is the tile of an older size the checkpoint covers too.
            let older = try await anyone.send("GET", "/v1/audit/tlog/tile/0/001.p/5")
            #expect(older.status == 200 && older.body == Array(partial.body.prefix(5 * 32)))
            #expect(try await anyone.send("GET", "/v1/audit/tlog/tile/1/000.p/1").body.count == 32)

            for beyond in ["0/001.p/49", "0/001", "0/002.p/1", "1/000.p/2", "1/000", "2/000.p/1", "64/000.p/1"] {
                #expect(try await anyone.send("GET", "/v1/audit/tlog/tile/\(beyond)").status == 404, "\(beyond)")
            }
            for misspelt in ["0/0", "0/x000/000", "0/000.p/256", "0/000.p/0", "0/000.p/05", "00/000", "0/000.p", "0/x001", "0/001.p/48/1", "0", "0//000", "0/000/", "0/%30%30%30"] {
                #expect(try await anyone.send("GET", "/v1/audit/tlog/tile/\(misspelt)").status == 404, "\(misspelt)")
            }

            // v2 entries name nobody, so their bundles are public (SPEC §4); a bundle holding a v1
            // entry is the auditors' (OpeningsRouteTests).
            #expect(try await anyone.send("GET", "/v1/audit/tlog/tile/entries/000").status == 200)
            let bundle = try await anyone.send("GET", "/v1/audit/tlog/tile/entries/001.p/48")
            #expect(bundle.status == 200 && bundle.header("Cache-Control") == "public, max-age=10")
            let entries = Self.entries(bundle.body)
            #expect(entries.count == 48)
            #expect(try await auditor.send("GET", "/v1/audit/tlog/tile/entries/000").header("Cache-Control") == "public, max-age=31536000, immutable")
            #expect(try await auditor.send("GET", "/v1/audit/tlog/tile/entries/001.p/49").status == 404)
            #expect(try await auditor.send("GET", "/v1/audit/tlog/tile/entries/001").status == 404)
            #expect(try await anyone.send("POST", "/v1/audit/tlog/tile/0/000").status == 405)
        }
    }

    /// An entry bundle's entries: each a big-endian 16-bit length, then that many bytes.
    static func entries(_ body: [UInt8]) -> [[UInt8]] {
        var entries: [[UInt8]] = []
        var offset = 0
        while offset + 2 <= body.count {
            let length = Int(body[offset]) << 8 | Int(body[offset + 1])
            entries.append(Array(body[(offset + 2)..<min(body.count, offset + 2 + length)]))
            offset += 2 + length
        }
        return entries
    }
}
