import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Runs the broker until SIGTERM or SIGINT, or until it fails, and then logs one line: why it
/// stopped, how many requests and webhook deliveries were in flight when it was told to (the
/// server finishes the requests it has begun and the sender the deliveries it has claimed, so those
/// were drained), and how long stopping took. `beside` run with it and stop after it (the trace
/// exporter, which flushes the last spans).
public func runBroker(_ app: some ApplicationProtocol, activity: Activity, logger: Logger, beside: [any Service] = []) async throws {
    var configuration = ServiceGroupConfiguration(services: beside + [app], logger: logger)
    configuration.maximumGracefulShutdownDuration = brokerStopGrace
    let group = ServiceGroup(configuration: configuration)
    let stop = StopRequest()
    do {
        try await withThrowingDiscardingTaskGroup { tasks in
            tasks.addTask {
                for await signal in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                    stop.record(.init(reason: "signal \(signal)", requests: activity.requestsInFlight, deliveries: activity.deliveriesInFlight, at: .now))
                    await group.triggerGracefulShutdown()
                    return
                }
            }
            try await group.run()
            tasks.cancelAll()
        }
    } catch {
        logger.error("broker stopped", metadata: ["reason": "failure: \(error)"])
        throw error
    }
    let how = stop.recorded
    logger.notice("broker stopped", metadata: [
        "reason": "\(how?.reason ?? "the service group ended")",
        "drainedRequests": .stringConvertible(how?.requests ?? 0),
        "drainedDeliveries": .stringConvertible(how?.deliveries ?? 0),
        "stoppingSeconds": .stringConvertible(how.map { $0.at.duration(to: .now).seconds } ?? 0),
    ])
}

/// How long SIGTERM's drain may take before what is still running is cancelled: longer than a bundle
/// request's deadline and a webhook delivery's default timeout, shorter than the 30 s an orchestrator
/// commonly waits before SIGKILL, so the broker always ends on its own and says so. A delivery cut
/// short is claimed again after its lease (at least once, never lost).
public let brokerStopGrace: Duration = .seconds(20)

/// Why and when the broker was told to stop, and what was in flight then.
private final class StopRequest: Sendable {
    struct Record {
        let reason: String
        let requests: Int
        let deliveries: Int
        let at: ContinuousClock.Instant
    }

    private let stored = Mutex<Record?>(nil)

    func record(_ request: Record) { stored.withLock { $0 = request } }

    var recorded: Record? { stored.withLock { $0 } }
}
