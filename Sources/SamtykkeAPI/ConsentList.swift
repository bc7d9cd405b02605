/// `GET /v1/me/consents`: every consent that names the citizen, newest first.
public struct ConsentList: Codable, Sendable, Hashable {
    public let consents: [ConsentView]

    public init(consents: [ConsentView]) {
        self.consents = consents
    }
}
