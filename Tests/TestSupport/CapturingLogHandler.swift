import Logging
import Synchronization

/// Keeps every line a logger writes, message and metadata, as the text an operator would see.
public struct CapturingLogHandler: LogHandler {
    public let lines: Lines
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .trace

    public final class Lines: Sendable {
        private let storage = Mutex<[String]>([])
        public init() {}
        public var all: [String] { storage.withLock { $0 } }
        public func append(_ line: String) { storage.withLock { $0.append(line) } }
    }

    public init(lines: Lines) {
        self.lines = lines
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        lines.append("\(event.level) [\(event.source)] \(event.message) \(fields)")
    }
}
