import AgencyClient
import Logging
import Metrics

extension DependencyHealth {
    /// The agency's health for `/readyz` and `samtykke_agency_up`: its health check, asked at most
    /// every `agencyMaxAge` so a probe polled every second does not become load on the agency, and
    /// the broker's own calls, so the gauge drops with the first failed bundle rather than the next probe.
    static func agency(_ agency: any TaxAgency, probeDeadline: Duration, logger: Logger) -> DependencyHealth {
        DependencyHealth(name: "agency", gauge: Gauge(label: SamtykkeMetrics.agencyUp), logger: logger, deadline: probeDeadline) {
            do throws(AgencyError) {
                try await agency.checkHealth(deadline: .now + probeDeadline)
                return nil
            } catch {
                return error.reason
            }
        }
    }

    static let agencyMaxAge: Duration = .seconds(5)

    /// What a call to the agency showed. An answer about one person (no records) says the agency
    /// works, so only outages count against it.
    func observe(agencyError error: AgencyError?) {
        observe(error.flatMap { $0.isOutage ? $0.reason : nil })
    }
}
