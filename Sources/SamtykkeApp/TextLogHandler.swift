import Logging
import SamtykkeCore

/// `serve`'s text format: the handler it wraps (swift-log's stream handler), with every hidden
/// character of the message and of metadata values written as `\u{XXXX}`. Text from callers reaches
/// log lines (a token's header fields, a callback's query), and a newline there would start a line
/// of the attacker's own that reads as the broker's. The JSON format escapes by its nature.
public struct TextLogHandler: LogHandler {
    private var base: any LogHandler

    public init(base: any LogHandler) {
        self.base = base
    }

    public var logLevel: Logger.Level {
        get { base.logLevel }
        set { base.logLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = newValue.mapValues(Self.escaped) }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { base.metadataProvider }
        set { base.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue.map(Self.escaped) }
    }

    public func log(event: Logging.LogEvent) {
        var event = event
        event.message = Logger.Message(stringLiteral: Self.escaped(event.message.description))
        event.metadata = event.metadata?.mapValues(Self.escaped)
        base.log(event: event)
    }

    /// Printable ASCII, which nearly every line is, as it is.
    static func escaped(_ text: String) -> String {
        isPlain(text) ? text : FreeText.escaped(text)
    }

    static func escaped(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let text): .string(escaped(text))
        case .stringConvertible(let convertible):
            // A number stays one for the handler to write; only text that needs it is replaced.
            isPlain(convertible.description) ? value : .string(FreeText.escaped(convertible.description))
        case .array(let values): .array(values.map(escaped))
        case .dictionary(let values): .dictionary(values.mapValues(escaped))
        }
    }

    private static func isPlain(_ text: String) -> Bool {
        text.utf8.allSatisfy { (0x20...0x7E).contains($0) }
    }
}
