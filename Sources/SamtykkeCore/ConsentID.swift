import Foundation

/// A consent's identifier: a random UUID, written in lower case.
public struct ConsentID: Sendable, Hashable, Codable, CustomStringConvertible {
    public let uuid: UUID

    public init(_ uuid: UUID = UUID()) { self.uuid = uuid }

    public init(_ text: String) throws(DomainError) {
        guard let uuid = UUID(uuidString: text) else { throw .invalid("id", "is not a consent id") }
        self.uuid = uuid
    }

    public var description: String { uuid.uuidString.lowercased() }

    public init(from decoder: any Decoder) throws {
        try self.init(decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
