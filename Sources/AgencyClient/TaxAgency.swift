import SamtykkeCore

/// The tax agency as the broker sees it: one read of one person's data, authorised by a consent token.
public protocol TaxAgency: Sendable {
    /// Where the data comes from, as named in a bundle's `source.agency`.
    var name: String { get }

    /// Everything, retries included, must finish before `deadline`; past it the answer is `.timeout`.
    func taxData(for person: PersonID, consentToken: String, deadline: ContinuousClock.Instant) async throws(AgencyError) -> AgencyResponse

    /// Whether the agency answers at all, TLS included: for `/readyz`.
    func checkHealth(deadline: ContinuousClock.Instant) async throws(AgencyError)
}

/// The agency's answer: the exact body (its digest goes into the bundle) and what it says.
public struct AgencyResponse: Sendable {
    public let body: [UInt8]
    public let data: TaxData

    public init(body: [UInt8], data: TaxData) {
        self.body = body
        self.data = data
    }
}
