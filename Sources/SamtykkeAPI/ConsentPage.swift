/// `GET /v1/consents` and `GET /v1/me/consents`: a page of the caller's consents and the cursor of
/// the next page (null on the last one).
public struct ConsentPage: Codable, Sendable, Hashable {
    public let consents: [ConsentView]
    public let next: String?

    public init(consents: [ConsentView], next: String?) {
        self.consents = consents
        self.next = next
    }

    enum CodingKeys: String, CodingKey {
        case consents, next
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(consents, forKey: .consents)
        // Always present, so a client tests `next == null` rather than its absence.
        try container.encode(next, forKey: .next)
    }
}
