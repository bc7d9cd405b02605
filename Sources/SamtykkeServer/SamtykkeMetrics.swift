import AgencyClient
import Metrics
import Prometheus

/// The process's one Prometheus registry and the series an operator alerts on. swift-metrics allows
/// a single bootstrap per process, so it happens here, once, the first time anything asks for the
/// registry. Names carry their unit and counters end in `_total`, as Prometheus expects; every
/// family has its HELP text (`help`).
public enum SamtykkeMetrics {
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(HelpedMetricsFactory(base: PrometheusMetricsFactory(registry: registry), help: help))
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
    static let buildInfo = "samtykke_build_info"
    static let databaseUp = "samtykke_database_up"
    static let witnessUp = "samtykke_witness_up"
    static let webhookBacklog = "samtykke_webhook_deliveries_pending"
    static let webhookOldestPending = "samtykke_webhook_oldest_pending_age_seconds"
    static let storeFiguresAge = "samtykke_store_metrics_age_seconds"
    static let releaseStepDuration = "samtykke_release_step_duration_seconds"
    /// Counted by the webhook engine, one per attempt, by what became of the delivery.
    package static let webhookDeliveries = "samtykke_webhook_deliveries_total"
    package static let webhookDeliveryResults = ["delivered", "retry", "gave-up", "gone"]

    static let help: [String: String] = [
        requests: "HTTP requests answered, by method, route pattern and status.",
        requestDuration: "Time to answer an HTTP request, by method, route pattern and status class.",
        agencyDuration: "Time the tax agency took to answer a data request, by outcome.",
        agencyErrors: "Failed tax agency calls, by reason.",
        agencyUp: "1 when the tax agency answered this broker's last health check or call, else 0.",
        bundlesIssued: "Data bundles issued.",
        bundlesRefused: "Bundle requests refused, by reason.",
        rateLimited: "Requests refused with 429 by a rate limit.",
        logEntries: "Entries in the consent log (as of samtykke_store_metrics_age_seconds ago, or this instance's last commit).",
        checkpointAge: "Seconds since this instance signed its newest log checkpoint (since start-up before the first).",
        buildInfo: "Always 1; the version label names the running build.",
        databaseUp: "1 when the database answered the last check (and the schema is migrated), else 0.",
        witnessUp: "1 when the witness cosigned or answered the last submission, else 0; per witness URL.",
        webhookBacklog: "Webhook deliveries pending to endpoints that are not disabled.",
        webhookOldestPending: "Age in seconds of the event behind the oldest pending webhook delivery; 0 when none is pending.",
        storeFiguresAge: "Seconds since the log and webhook figures were last read from the database.",
        releaseStepDuration: "With --agency-log-policy: time to commit a fetch's data.requested entry (step log) and to get a checkpoint covering it cosigned by the witness quorum (step witnesses).",
        webhookDeliveries: "Webhook delivery attempts, by what became of the delivery.",
        AgencyMetric.tlsHandshakes: "TLS connections opened to the tax agency (a rising rate means connections are not reused).",
        TokenController.grantsMetric: "Access tokens granted at /v1/token, by token type.",
        TokenController.refusalsMetric: "Token requests refused at /v1/token, by RFC 6749/9449 error code.",
    ]

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
        for result in webhookDeliveryResults {
            _ = Counter(label: webhookDeliveries, dimensions: [("result", result)])
        }
        _ = Counter(label: rateLimited)
        _ = Counter(label: AgencyMetric.tlsHandshakes)
        for gauge in [logEntries, checkpointAge, agencyUp, databaseUp, webhookBacklog, webhookOldestPending, storeFiguresAge] {
            _ = Gauge(label: gauge)
        }
        Gauge(label: buildInfo, dimensions: [("version", BuildInfo.version)]).record(1)
        for outcome in ["ok", "error"] {
            _ = Timer(label: agencyDuration, dimensions: [("outcome", outcome)], preferredDisplayUnit: .seconds)
        }
    }
}
