import Instrumentation

/// Writes the current trace's propagation headers (W3C `traceparent`, with `serve --otlp-endpoint`)
/// into an outgoing request, so the agency and webhook endpoints can continue the broker's trace.
/// Nothing is written when no tracer is set up or no trace is current.
struct CurlHeaderInjector: Injector {
    func inject(_ value: String, forKey key: String, into headers: inout [CurlHeader]) {
        headers.append(CurlHeader(name: key, value: value))
    }
}

extension CurlRequest {
    func propagatingCurrentTrace() -> CurlRequest {
        guard let context = ServiceContext.current else { return self }
        var request = self
        InstrumentationSystem.instrument.inject(context, into: &request.headers, using: CurlHeaderInjector())
        return request
    }
}
