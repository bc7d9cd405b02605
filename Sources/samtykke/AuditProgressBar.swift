import Foundation

/// A one-line progress bar on stderr for long verifications, only when stderr is a terminal, so
/// logs, pipes and tests see exactly the one result line and nothing else.
struct AuditProgressBar {
    private static let width = 30

    /// Nil when stderr is not a terminal.
    init?() {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
    }

    func show(_ done: UInt64, of total: UInt64) {
        let filled = total == 0 ? Self.width : Int(done * UInt64(Self.width) / total)
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: Self.width - filled)
        write("\r[\(bar)] \(done)/\(total) entries")
    }

    /// Erases the bar so the result starts on a clean line.
    func clear() {
        write("\r\u{1B}[K")
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
