import Foundation

/// The `process_*` families every Prometheus client library exports, with their names, types and
/// HELP texts, read from Linux's `/proc` at scrape time. None of the packages the broker builds on
/// provides them, and they are a few lines of `/proc` reading: written as text after the
/// registry's families, so the counter keeps its counter type (swift-prometheus' counters only
/// count up from 0).
enum ProcessMetrics {
    static func emit(into buffer: inout [UInt8]) {
        var text = ""
        func family(_ name: String, _ type: String, _ help: String, _ value: Double?) {
            guard let value else { return }
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(value)\n"
        }
        let stat = selfStat()
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", stat.map { (Double($0.utime) + Double($0.stime)) / ticks })
        family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", stat.map { Double($0.rssPages) * pageSize })
        family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", stat.map { Double($0.virtualBytes) })
        family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", stat.flatMap { stat in bootTime().map { $0 + Double(stat.startTicks) / ticks } })
        family("process_open_fds", "gauge", "Number of open file descriptors.", (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")).map { Double($0.count) })
        family("process_max_fds", "gauge", "Maximum number of open file descriptors.", maxOpenFiles())
        buffer.append(contentsOf: Array(text.utf8))
    }

    struct Stat {
        let utime: UInt64
        let stime: UInt64
        let startTicks: UInt64
        let virtualBytes: UInt64
        let rssPages: UInt64
    }

    /// `/proc/self/stat` (proc(5)): the fields after the command name, which is in parentheses and
    /// may itself hold spaces and parentheses, so the split starts after its last `)`.
    static func selfStat() -> Stat? {
        guard let text = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field n is fields[n - 3].
        func field(_ n: Int) -> UInt64? { fields.count > n - 3 ? UInt64(fields[n - 3]) : nil }
        guard let utime = field(14), let stime = field(15), let start = field(22), let vsize = field(23), let rss = field(24) else { return nil }
        return Stat(utime: utime, stime: stime, startTicks: start, virtualBytes: vsize, rssPages: rss)
    }

    /// When the machine booted, in seconds since the epoch: `btime` of `/proc/stat`.
    static func bootTime() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix("btime ") }.flatMap { Double($0.dropFirst(6)) }
    }

    /// The soft limit of `Max open files` in `/proc/self/limits`.
    static func maxOpenFiles() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/self/limits", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") })
        else { return nil }
        return line.dropFirst("Max open files".count).split(separator: " ").first.flatMap { Double($0) }
    }
}
