import Foundation
import ChildProcess
import TestSupport

/// `samtykke audit verify` against a broker serving the big log, timed as a whole command, and the
/// SHA-256 bound from `openssl speed` on the same machine.
struct AuditResult: Codable, Sendable {
    var entries: Int
    var averageLeafBytes: Double
    /// Each run's wall time, in order; the first finds the broker's pages of the log cold.
    var runSeconds: [Double]
    /// Cores kept busy by other processes during each run.
    var runOtherCores: [Double]
    /// The median run's; the figures below are that run's.
    var seconds: Double
    var entriesPerSecond: Double
    var leafBytesPerSecond: Double
    /// CPU seconds of the verify command and of the broker serving it.
    var verifyCPUSeconds: Double
    var brokerCPUSeconds: Double
    var brokerPeakMemoryKiB: Int?
    var verified: Bool
    var output: String
}

struct SHA256Bound: Codable, Sendable {
    /// `openssl speed -seconds 3 -bytes N sha256` at the average leaf size plus the 0x00 prefix.
    var bytes: Int
    var bytesPerSecond: Double
    /// The same at 65 bytes, the size of every interior node hash (0x01 || left || right).
    var nodeBytesPerSecond: Double
    var command: String
}

enum OpenSSLSpeed {
    static func sha256(bytes: Int, seconds: Int = 3) async throws -> Double {
        let result = try await Command.run("openssl", ["speed", "-seconds", "\(seconds)", "-bytes", "\(bytes)", "sha256"])
        // "sha256    1322269.41k": thousands of bytes per second.
        for line in result.stdout.split(separator: "\n").reversed() where line.hasPrefix("sha256") {
            if let value = line.split(separator: " ").last, value.hasSuffix("k"), let thousands = Double(value.dropLast()) {
                return thousands * 1000
            }
        }
        throw BenchError("cannot read `openssl speed` output: \(result.stdout.suffix(300)) \(result.stderr.suffix(300))")
    }
}

/// Issue 27 point 7 on the v2 log the broker serves: `audit verify --auditor-key` with every
/// opening, and a citizen's `consent log --verify` (first run, and a second after `newEntries` more
/// entries), each the `samtykke` command over HTTP. The public figure is `AuditResult`.
struct VerificationResult: Codable, Sendable {
    var entries: Int
    var openedRunSeconds: [Double]
    /// The median run's.
    var openedSeconds: Double
    var openedEntriesPerSecond: Double
    /// The citizen's first run over the whole log: entries scanned per second, and how many were
    /// about them.
    var citizenSeconds: Double
    var citizenEntriesPerSecond: Double
    var citizenEntriesFound: Int
    var newEntries: Int
    var citizenSecondRunSeconds: Double
    var verified: Bool
}
