import Logging
import OTel
import ServiceLifecycle
import Tracing

/// `serve --otlp-endpoint URL`: the broker's spans sent to an OpenTelemetry collector over OTLP/HTTP
/// (protobuf), W3C `traceparent` taken from callers and passed on. Traces only: the broker's metrics
/// stay on `/metrics` and its log on stderr, where each line written inside a traced request
/// carries the request's `traceId` and `spanId`.
public enum TraceExport {
    /// Makes the process's tracer one that exports to `endpoint` (the collector's base URL, as
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`: spans go to `/v1/traces` under it) and returns the service that
    /// batches and sends the spans; run it beside the broker, stopping after it, so the last spans
    /// are flushed. The `OTEL_*` environment variables of the OpenTelemetry SDKs tune it further.
    public static func start(endpoint: String, logger: Logger) throws -> some Service {
        var configuration = OTel.Configuration.default
        configuration.serviceName = "samtykke"
        configuration.diagnosticLogger = .custom(logger)
        configuration.propagators = [.traceContext]
        configuration.metrics.enabled = false
        configuration.logs.enabled = false
        configuration.traces.enabled = true
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        configuration.traces.otlpExporter.endpoint = (endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint) + "/v1/traces"
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(backend.factory)
        return backend.service
    }

    /// Puts the current trace's ids on every log line written inside it.
    public static var logMetadata: Logger.MetadataProvider {
        var keys = OTel.Configuration.LoggingMetadataProviderConfiguration.default
        (keys.traceIDKey, keys.spanIDKey, keys.traceFlagsKey) = ("traceId", "spanId", "traceFlags")
        return OTel.makeLoggingMetadataProvider(configuration: keys)
    }
}
