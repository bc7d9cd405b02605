import AgencyClient
import Metrics
import Prometheus

/// The process's one Prometheus registry and the series an operator alerts on. swift-metrics allows
/// a single bootstrap per process, so it happens here, once, the first time anything asks for the
/// registry. Names carry their unit and counters end in `_total`, as Prometheus expects.
public enum SamtykkeMetrics {
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    static let requests = "http_server_requests_total"
    static let requestDuration = "http_server_request_duration_seconds"
    static let agencyDuration = "samtykke_agency_request_duration_seconds"
    static let agencyErrors = "samtykke_agency_errors_total"
    static let agencyUp = "samtykke_agency_up"
    static let bundlesIssued = "samtykke_bundles_issued_total"
    static let bundlesRefused = "samtykke_bundles_refused_total"
    static let rateLimited = "samtykke_rate_limited_total"
    static let logEntries = "samtykke_log_entries"
    static let checkpointAge = "samtykke_log_checkpoint_age_seconds"

    /// Registers every series whose labels are known in advance, at 0: an alert on
    /// `increase(samtykke_agency_errors_total[5m]) > 0` must see a series before the first error,
    /// or it has nothing to compare against when that error comes.
    static func registerSeries() {
        _ = registry
        for reason in AgencyError.metricReasons {
            _ = Counter(label: agencyErrors, dimensions: [("reason", reason)])
        }
        for reason in BundleService.refusalReasons {
            _ = Counter(label: bundlesRefused, dimensions: [("reason", reason)])
        }
        _ = Counter(label: bundlesIssued)
        TokenController.registerSeries()
        for result in WebhookSender.results {
            _ = Counter(label: WebhookSender.deliveriesMetric, dimensions: [("result", result)])
        }
        _ = Counter(label: rateLimited)
        _ = Counter(label: CurlTaxAgency.tlsHandshakesMetric)
        _ = Gauge(label: logEntries)
        _ = Gauge(label: checkpointAge)
        _ = Gauge(label: agencyUp)
        for outcome in ["ok", "error"] {
            _ = Timer(label: agencyDuration, dimensions: [("outcome", outcome)], preferredDisplayUnit: .seconds)
        }
    }
}
