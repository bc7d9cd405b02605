/// `POST /v1/consents`: what a bank asks for (SPEC §2). For clients: the broker reads a request
/// field by field, naming the first one that is wrong, rather than decoding this.
public struct ConsentRequest: Codable, Sendable, Hashable {
    public let personId: String
    public let scopes: [String]
    public let years: [Int]
    public let purpose: ConsentView.Purpose
    public let validUntil: String
    public let maxUses: Int

    public init(personId: String, scopes: [String], years: [Int], purpose: ConsentView.Purpose, validUntil: String, maxUses: Int) {
        self.personId = personId
        self.scopes = scopes
        self.years = years
        self.purpose = purpose
        self.validUntil = validUntil
        self.maxUses = maxUses
    }
}
