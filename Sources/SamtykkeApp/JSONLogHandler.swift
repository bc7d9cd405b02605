import Foundation
import Logging
import SamtykkeCore
import Synchronization

/// `serve --log-format json`: one JSON object per line, for log shippers that would otherwise have
/// to parse the text format. Metadata keeps its structure under `metadata`, so a key can never
/// overwrite `level` or `message`.
public struct JSONLogHandler: LogHandler {
    public let label: String
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let write: @Sendable (String) -> Void

    public init(
        label: String, metadataProvider: Logger.MetadataProvider? = nil, write: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError
    ) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: Logging.LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let given = event.metadata { merged.merge(given) { $1 } }
        var object: [String: Any] = [
            "time": RFC3339.string(from: Date()),
            "level": event.level.rawValue,
            "label": label,
            "message": event.message.description,
            "source": event.source,
        ]
        if !merged.isEmpty { object["metadata"] = merged.mapValues(Self.json) }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        write(String(decoding: data, as: UTF8.self) + "\n")
    }

    private static func json(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): number(convertible) ?? convertible.description
        case .array(let values): values.map(json)
        case .dictionary(let values): values.mapValues(json)
        }
    }

    /// A number or a flag given as one (`.stringConvertible(401)`) stays one in JSON, so a log
    /// query can compare `status >= 500`; interpolated text (`"\(x)"`) stays text. JSON has no
    /// infinities or NaN: those are written as text.
    private static func number(_ value: any CustomStringConvertible & Sendable) -> Any? {
        switch value {
        case let flag as Bool: flag
        case let integer as any BinaryInteger: Int64(exactly: integer).map { $0 as Any } ?? UInt64(exactly: integer)
        case let real as Double where real.isFinite: real
        case let real as Float where real.isFinite: Double(real)
        default: nil
        }
    }

    /// One `write(2)` per line under a lock, so lines from concurrent requests never interleave.
    @Sendable public static func standardError(_ line: String) {
        lock.withLock { _ in FileHandle.standardError.write(Data(line.utf8)) }
    }

    private static let lock = Mutex(())
}
