import Foundation
import ChildProcess
import TestSupport

/// Where the CPU goes, by sampling a process with `perf record` (cpu-clock, so it works where hardware
/// counters are not available). Always a separate run from the timed ones, so sampling never touches
/// the figures.
struct ProfileResult: Codable, Sendable {
    struct Row: Codable, Sendable {
        var percent: Double
        var library: String
        var symbol: String
    }
    /// What was sampled, in words.
    var subject: String
    var seconds: Double
    var samples: Int
    /// Share of the samples by shared object (the binary, libcrypto, libsqlite3, ...), self time.
    var byLibrary: [Row]
    /// The hottest symbols (self time), demangled.
    var bySymbol: [Row]
    /// Inclusive time (the function and everything it called) of the steps of the work.
    var steps: [Row]
    var command: String
}

typealias ProfileSteps = [(label: String, patterns: [String])]

enum Profiler {
    static var available: Bool { (try? Command.resolve("perf")) != nil }

    /// Starts `perf record` on `pid` for `seconds` (it stops by itself); `finish` waits for it and reads it.
    static func start(pid: Int32, seconds: Double, output: String, log: String) throws -> pid_t {
        try Spawn.start(try Command.resolve("perf"),
                        ["record", "-F", "499", "-e", "cpu-clock", "-g", "-p", "\(pid)", "-o", output, "--", "sleep", String(format: "%.1f", seconds)],
                        cwd: nil, environment: Command.cleanEnvironment(), stdout: log, stderr: nil)
    }

    static func finish(perf: pid_t, output: String, subject: String, seconds: Double, steps: ProfileSteps) async throws -> ProfileResult {
        let status = await Spawn.waitAsync(perf)
        // perf also ends early (and not with 0) when the sampled process exits first; what it wrote still counts.
        let written = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? NSNumber)?.intValue ?? 0
        guard status == 0 || written > 0 else { throw BenchError("perf record exited with \(status) and wrote nothing") }
        let swift = try? Command.resolve("swift")
        let byLibrary = try await report(output, sort: "dso")
        let bySymbol = try await report(output, sort: "dso,symbol")
        var symbols = Array(bySymbol.rows.prefix(15))
        if let swift {
            // Swift symbols demangled, one per line, in the same order.
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("bench-symbols-\(UUID().uuidString)").path
            try symbols.map(\.symbol).joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: file) }
            let demangled = try await Command.run("/bin/sh", ["-c", "\"$0\" demangle --simplified --compact < \"$1\"", swift, file])
            let lines = demangled.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            if demangled.status == 0, lines.count >= symbols.count {
                for index in symbols.indices { symbols[index].symbol = String(lines[index].prefix(160)) }
            }
        }
        for index in symbols.indices where symbols[index].symbol.hasSuffix(" - -") { symbols[index].symbol.removeLast(4) }
        return ProfileResult(
            subject: subject, seconds: seconds, samples: bySymbol.samples, byLibrary: Array(byLibrary.rows.prefix(10)),
            bySymbol: symbols, steps: try await inclusive(output, steps: steps, swift: swift),
            command: "perf record -F 499 -e cpu-clock -g -p <pid>; perf report --children / --no-children"
        )
    }

    /// The steps of a bundle request in the broker, each matched by a substring of demangled names.
    static let brokerSteps: ProfileSteps = [
        ("all system calls (kernel)", ["entry_SYSCALL_64_after_hwframe"]),
        ("  fsync of the SQLite WAL", ["__x64_sys_fdatasync", "__x64_sys_fsync"]),
        ("GRDB write transactions (all of them)", ["Database.inTransaction("]),
        ("  `SQLiteStore.commit` (a batch: consents, entries, Merkle nodes, checkpoint, receipts)", ["closure #1 in SQLiteStore.commit"]),
        ("    `BatchPlan` (decisions, leaf JSON, leaf hashes, Merkle nodes, the signed checkpoint)", ["BatchPlan.init("]),
        ("      `LogSigner.sign` (Ed25519-signed note)", ["LogSigner.sign("]),
        ("    `MerkleTree.inclusionProof` for the receipt", ["MerkleTree.inclusionProof<"]),
        ("    consent row lookups (`SQLiteStore.fetch`)", ["SQLiteStore.fetch("]),
        ("    GRDB statement authorizer: SQL compiled again on every call", ["StatementAuthorizer.authorize"]),
        ("    GRDB query-interface SQL generation", ["SQLQueryGenerator.makePreparedRequest"]),
        ("the bundle's ES256 signing (`ES256Signer.sign(bundle:)`: its claims as RFC 8785 JSON, then the signature)", ["ES256Signer.sign(bundle:)"]),
        ("  P-256 ECDSA signatures (swift-crypto, BoringSSL)", ["P256.Signing.PrivateKey.signature"]),
        ("the bundle answer's JSON (`BundleAnswer.json`)", ["BundleAnswer.json()"]),
        ("log lines (swift-log handlers: the access log and the consent log's lines)", ["StreamLogHandler.log", "JSONLogHandler.log"]),
        ("JSONEncoder, everywhere", ["JSONEncoder.encode<"]),
        ("JSONDecoder, everywhere (agency answer, rows, bodies)", ["JSONDecoder.decode<"]),
        ("RFC 8785 canonical JSON of leaves", ["CanonicalJSON.encode("]),
        ("the agency call's Swift side (`CurlTaxAgency.fetch`: request, decoding the answer)", ["CurlTaxAgency.fetch("]),
        ("libcurl transfers on the client's thread pool (`CurlEasyHandle.perform`; libcurl has no frame pointers, so this undercounts)", ["CurlEasyHandle.perform("]),
        ("libcurl's header callback (`ResponseAccumulator.appendHeaderLine`)", ["closure #2 in CurlEasyHandle.configure", "ResponseAccumulator.appendHeaderLine"]),
        ("bank API-key check (`SQLiteStore.authenticate`)", ["SQLiteStore.authenticate("]),
        ("bank DPoP check (`BankAuthenticator.dpopBound`: the token, the proof, its jti)", ["BankAuthenticator.dpopBound("]),
        ("  the proof (`DPoPProof.verify`: header, key, signature, claims, htu, ath)", ["DPoPProof.verify("]),
        ("    P-256 ECDSA verifications (swift-crypto, BoringSSL)", ["P256.Signing.PublicKey.isValidSignature"]),
        ("  the proof's jti written once (`SQLiteStore.record`, in the log's batch or alone)", ["SQLiteStore.record("]),
        ("SwiftNIO event loops (HTTP server I/O, parsing, writing)", ["SelectableEventLoop.run()"]),
        ("the kernel switching threads (`__schedule`)", ["__schedule"]),
        ("Swift retain/release", ["swift_retain", "swift_release"]),
        ("malloc/free", ["malloc", "cfree", "_int_free"]),
    ]

    /// The steps of `samtykke audit verify`.
    static let verifySteps: ProfileSteps = [
        ("checking each entry in one pass over its bytes (`LeafScanner`)", ["LeafScanner.entry("]),
        ("  the purpose rules (`Purpose.init`)", ["Purpose.init("]),
        ("  the full parse, for leaves the pass leaves to it (`AuditEntry(leafBytes:)`)", ["AuditEntry.init(leafBytes:)"]),
        ("fetching the entry bundles (libcurl transfers, `CurlEasyHandle.perform`)", ["CurlEasyHandle.perform("]),
        ("reading the 1000-entry pages, only when the bundles do not verify (`AuditLogSource.entries`)", ["AuditLogSource.entries("]),
        ("leaf hashes (`MerkleHasher.leafHash`)", ["MerkleHasher.leafHash<"]),
        ("the tree (`MerkleTreeBuilder.append`)", ["MerkleTreeBuilder.append("]),
        ("all system calls (kernel)", ["entry_SYSCALL_64_after_hwframe"]),
        ("Swift retain/release", ["swift_retain", "swift_release"]),
        ("malloc/free", ["malloc", "cfree", "_int_free"]),
    ]

    private static func inclusive(_ file: String, steps: ProfileSteps, swift: String?) async throws -> [ProfileResult.Row] {
        let report = "perf report -i \"$0\" --stdio --children -g none --sort symbol --percent-limit 0.2 2>/dev/null"
        let result = try await Command.run("/bin/sh", ["-c", swift.map { "\(report) | \"\($0)\" demangle --simplified --compact" } ?? report, file])
        // "    12.34%     0.08%  [.] symbol": inclusive share first.
        var inclusive: [(Double, String)] = []
        for line in result.stdout.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
            guard fields.count == 4, fields[0].hasSuffix("%"), let percent = Double(fields[0].dropLast()) else { continue }
            inclusive.append((percent, String(fields[3])))
        }
        return steps.compactMap { step in
            // The largest share among the frames that match: frames of one function nest, so adding
            // them up would count the same time twice.
            let best = inclusive.filter { entry in step.patterns.contains { entry.1.contains($0) } }.map(\.0).max()
            return best.map { ProfileResult.Row(percent: $0, library: "", symbol: step.label) }
        }
    }

    private static func report(_ file: String, sort: String) async throws -> (rows: [ProfileResult.Row], samples: Int) {
        let result = try await Command.run("perf", ["report", "-i", file, "--stdio", "--no-children", "-g", "none", "--sort", sort, "--percent-limit", "0.3"])
        var rows: [ProfileResult.Row] = []
        var samples = 0
        for line in result.stdout.split(separator: "\n") {
            if line.hasPrefix("# Samples:") {
                // "# Samples: 12K of event 'cpu-clock'"
                let text = line.dropFirst("# Samples: ".count).split(separator: " ").first.map(String.init) ?? ""
                samples = text.hasSuffix("K") ? Int((Double(text.dropLast()) ?? 0) * 1000) : Int(text) ?? 0
            }
            guard !line.hasPrefix("#"), let percentEnd = line.firstIndex(of: "%") else { continue }
            guard let percent = Double(line[..<percentEnd].trimmingCharacters(in: .whitespaces)) else { continue }
            let rest = line[line.index(after: percentEnd)...].split(separator: " ", omittingEmptySubsequences: true)
            guard let library = rest.first else { continue }
            var symbol = ""
            if sort.contains("symbol"), let marker = rest.firstIndex(where: { $0 == "[.]" || $0 == "[k]" }) {
                symbol = rest[(marker + 1)...].joined(separator: " ")
            }
            rows.append(.init(percent: percent, library: String(library), symbol: symbol))
        }
        return (rows, samples)
    }
}
