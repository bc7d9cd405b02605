import SamtykkeAPI

/// A page of a bank's consents and the cursor of the next one (null on the last page).
struct ConsentPage: Encodable {
    let consents: [ConsentView]
    let next: String?

    enum CodingKeys: String, CodingKey {
        case consents, next
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(consents, forKey: .consents)
        // Always present, so a client tests `next == null` rather than its absence.
        try container.encode(next, forKey: .next)
    }
}
