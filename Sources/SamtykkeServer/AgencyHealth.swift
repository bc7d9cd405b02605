import AgencyClient
import Foundation
import Metrics

/// The agency's reachability for `/readyz` and `samtykke_agency_up`, asked at most every `maxAge`
/// so a probe polled every second does not become load on the agency. Real agency calls count
/// as answers too, so the gauge drops with the first failed bundle rather than the next probe.
actor AgencyHealth {
    private let agency: any TaxAgency
    private let maxAge: Duration
    private let probeDeadline: Duration
    private var last: (at: ContinuousClock.Instant, problem: AgencyError?)?

    init(agency: any TaxAgency, probeDeadline: Duration, maxAge: Duration = .seconds(5)) {
        self.agency = agency
        self.probeDeadline = probeDeadline
        self.maxAge = maxAge
    }

    /// Nil when the agency answered its health check, else why not. Sets the gauge each time, so
    /// a scrape reports this broker's view even when an answer is reused.
    func problem() async -> AgencyError? {
        if let last, last.at.duration(to: .now) < maxAge { return published(last.problem) }
        var problem: AgencyError?
        do {
            try await agency.checkHealth(deadline: .now + probeDeadline)
        } catch {
            problem = error
        }
        observe(problem)
        return problem
    }

    /// What a call to the agency showed. An answer about one person (no records) says the agency
    /// works, so only outages count against it.
    func observe(_ problem: AgencyError?) {
        last = (.now, published(problem.flatMap { $0.isOutage ? $0 : nil }))
    }

    private func published(_ problem: AgencyError?) -> AgencyError? {
        Gauge(label: SamtykkeMetrics.agencyUp).record(problem == nil ? 1 : 0)
        return problem
    }
}
