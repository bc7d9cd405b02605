import Foundation

/// The machine the figures were measured on.
struct Machine: Codable, Sendable {
    var cpuModel: String
    var cores: Int
    var memoryGiB: Double
    var kernel: String
    var swiftVersion: String
    var os: String
    var sha256Acceleration: Bool

    static func describe(swiftVersion: String) -> Machine {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        func field(_ name: String, in text: String) -> String? {
            for line in text.split(separator: "\n") where line.hasPrefix(name) {
                if let colon = line.firstIndex(of: ":") { return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
            }
            return nil
        }
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let memKiB = Double(field("MemTotal", in: meminfo)?.split(separator: " ").first ?? "") ?? 0
        let osRelease = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8)) ?? ""
        let pretty = field("PRETTY_NAME=", in: osRelease.replacingOccurrences(of: "PRETTY_NAME=", with: "PRETTY_NAME=:"))?
            .trimmingCharacters(in: CharacterSet(charactersIn: "\"")) ?? "unknown"
        var uts = utsname()
        uname(&uts)
        let release = withUnsafeBytes(of: &uts.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let flags = field("flags", in: cpuinfo) ?? ""
        return Machine(
            cpuModel: field("model name", in: cpuinfo) ?? "unknown",
            cores: ProcessInfo.processInfo.activeProcessorCount,
            memoryGiB: (memKiB / 1_048_576 * 10).rounded() / 10,
            kernel: release,
            swiftVersion: swiftVersion,
            os: pretty,
            sha256Acceleration: flags.split(separator: " ").contains("sha_ni")
        )
    }
}
