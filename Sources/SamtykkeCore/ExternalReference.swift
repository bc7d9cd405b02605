/// A bank's own id for the application a consent serves (SPEC §1): 1–64 printable ASCII
/// characters, returned to the bank as given and filterable, never shown to the citizen and never
/// on the log.
public struct ExternalReference: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    public static let maxLength = 64

    /// `field` names what a refusal blames: the body member or the query parameter.
    public init(_ text: String, field: String = "externalReference") throws(DomainError) {
        guard (1...Self.maxLength).contains(text.utf8.count) else {
            throw .invalid(field, "must be 1–\(Self.maxLength) characters")
        }
        guard text.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw .invalid(field, "must be printable ASCII (no control characters)")
        }
        self.text = text
    }

    public var description: String { text }
}
