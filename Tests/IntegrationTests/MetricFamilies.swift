import Foundation
import ChildProcess
import TestSupport

/// `/metrics` as the reference Prometheus parser reads it (`scripts/metric-families.py`, on the
/// `prometheus_client` package), so the text format is checked by code the broker did not write.
struct MetricFamilies {
    struct Sample: Decodable {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    struct Family: Decodable {
        let type: String
        let samples: [Sample]
    }

    let families: [String: Family]

    static let script = Package.root.appendingPathComponent("scripts/metric-families.py").path

    static func parse(_ text: String) async throws -> MetricFamilies {
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).txt")
        try Data(text.utf8).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let result = try await TestPython.run([script, input.path])
        guard result.status == 0 else { throw ChildProcessError("the Prometheus parser refused /metrics: \(result.stderr)") }
        return MetricFamilies(families: try JSONDecoder().decode([String: Family].self, from: Data(result.stdout.utf8)))
    }


    func type(of family: String) -> String? { families[family]?.type }

    /// The sum over the samples named `sample` whose labels include `labels` (0 when none has them).
    func value(_ sample: String, _ labels: [String: String] = [:]) -> Double {
        matching(sample, labels).reduce(0) { $0 + $1.value }
    }

    /// Whether a sample with exactly these labels (among others) exists, whatever its value.
    func has(_ sample: String, _ labels: [String: String] = [:]) -> Bool {
        !matching(sample, labels).isEmpty
    }

    private func matching(_ sample: String, _ labels: [String: String]) -> [Sample] {
        families.values.flatMap(\.samples).filter { candidate in
            candidate.name == sample && labels.allSatisfy { candidate.labels[$0.key] == $0.value }
        }
    }
}
