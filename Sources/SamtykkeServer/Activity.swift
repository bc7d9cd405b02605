import Synchronization

/// What this instance is in the middle of, for the shutdown log line: how many requests and
/// webhook deliveries were in flight when it was asked to stop (and so were drained).
public final class Activity: Sendable {
    private let requests = Atomic(0)
    private let deliveries = Atomic(0)

    public init() {}

    func during<T>(request body: () async throws -> T) async rethrows -> T {
        requests.add(1, ordering: .relaxed)
        defer { requests.subtract(1, ordering: .relaxed) }
        return try await body()
    }

    package func during<T>(delivery body: () async throws -> T) async rethrows -> T {
        deliveries.add(1, ordering: .relaxed)
        defer { deliveries.subtract(1, ordering: .relaxed) }
        return try await body()
    }

    public var requestsInFlight: Int { requests.load(ordering: .relaxed) }
    public var deliveriesInFlight: Int { deliveries.load(ordering: .relaxed) }
}
