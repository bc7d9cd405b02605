import Synchronization
import Tracing

/// The trace of the request that appended each recent log entry, so the work that entry sets off
/// later in the background (its webhook deliveries, the witnesses' cosigning of the checkpoint that
/// covers it) is traced as a child of that request. In memory and bounded: an entry appended by
/// another instance, or long ago, starts a trace of its own.
public final class TraceOrigins: Sendable {
    private struct Remembered {
        var contexts: [UInt64: ServiceContext] = [:]
        var order: [UInt64] = []
    }

    private let remembered = Mutex(Remembered())
    private let capacity: Int

    public init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// Notes the current trace as the origin of these entries (nothing when no request is traced).
    func remember(logIndexes: [UInt64]) {
        guard let context = ServiceContext.current, !logIndexes.isEmpty else { return }
        remembered.withLock { state in
            for index in logIndexes where state.contexts.updateValue(context, forKey: index) == nil {
                state.order.append(index)
            }
            if state.order.count > capacity {
                let dropped = state.order.count - capacity
                for index in state.order.prefix(dropped) { state.contexts[index] = nil }
                state.order.removeFirst(dropped)
            }
        }
    }

    /// The trace that appended entry `index`, or a fresh one.
    package func origin(ofLogIndex index: UInt64) -> ServiceContext {
        remembered.withLock { $0.contexts[index] } ?? .topLevel
    }
}

/// `withSpan` for a body whose error type is part of its signature (the agency's `AgencyError`),
/// which `withSpan`'s untyped `rethrows` would erase.
func traced<T, E: Error>(_ name: String, ofKind kind: SpanKind, _ body: () async throws(E) -> T) async throws(E) -> T {
    let result: Result<T, E> = await withSpan(name, ofKind: kind) { span in
        do throws(E) {
            return .success(try await body())
        } catch {
            span.recordError(error)
            span.setStatus(.init(code: .error))
            return .failure(error)
        }
    }
    return try result.get()
}
