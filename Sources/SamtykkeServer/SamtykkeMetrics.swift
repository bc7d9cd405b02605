import Metrics
import Prometheus

/// The process's one Prometheus registry. swift-metrics allows a single bootstrap per process, so it
/// happens here, once, the first time anything asks for the registry.
public enum SamtykkeMetrics {
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}
