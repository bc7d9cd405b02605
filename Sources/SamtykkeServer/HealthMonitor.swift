import Logging
import SamtykkeStore
import ServiceLifecycle

/// Checks the database every `interval` and, while it answers, reads the figures `/metrics`
/// reports; asks the agency's health check when the last word on it is older than
/// `DependencyHealth.agencyMaxAge`. Each on its own loop, so a hung agency never delays the
/// database's figures or the other way round.
struct HealthMonitor: Service, CustomStringConvertible {
    let store: any LogStore & DeliveryStore
    let storeFigures: StoreFigures
    let health: BrokerHealth
    var interval: Duration = .seconds(1)

    var description: String { "HealthMonitor" }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await every { await refreshFigures() } }
                group.addTask { await every { _ = await health.agency.problem(maxAge: DependencyHealth.agencyMaxAge) } }
            }
        }
    }

    private func every(_ round: @Sendable () async -> Void) async {
        while !Task.isCancelled {
            await round()
            try? await Task.sleep(for: interval)
        }
    }

    private func refreshFigures() async {
        guard await health.database.problem(maxAge: .zero) == nil else { return }
        let read = Task { () -> (UInt64, DeliveryBacklog)? in try? await (store.logHead().size, store.deliveryBacklog()) }
        guard let (size, backlog) = await answer(of: read, within: BrokerHealth.databaseDeadline) ?? nil else { return }
        storeFigures.update(logSize: size, backlog: backlog)
    }
}
