import AgencyClient
import Foundation

/// The agency's reachability for `/readyz`, asked at most every `maxAge` so a probe polled every
/// second does not become load on the agency.
actor AgencyHealth {
    private let agency: any TaxAgency
    private let maxAge: Duration
    private var last: (at: ContinuousClock.Instant, problem: AgencyError?)?

    init(agency: any TaxAgency, maxAge: Duration = .seconds(5)) {
        self.agency = agency
        self.maxAge = maxAge
    }

    /// Nil when the agency answered its health check, else why not.
    func problem() async -> AgencyError? {
        if let last, last.at.duration(to: .now) < maxAge { return last.problem }
        var problem: AgencyError?
        do {
            try await agency.checkHealth(deadline: .now + .seconds(2))
        } catch {
            problem = error
        }
        last = (.now, problem)
        return problem
    }
}
