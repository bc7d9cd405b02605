import Foundation
import Hummingbird
import Metrics
import NIOCore
import Prometheus
import SamtykkeJOSE

/// What anyone may read: signing keys, the log's checkpoint and key, health, metrics and the API's
/// own description.
struct PublicController {
    /// The broker's signing keys, the retired ones included (`Broker.jwks`).
    let jwks: JWKSet
    let checkpoints: CheckpointPublisher
    /// With release against the log `/readyz` names the witnesses (`serve --agency-log-policy`).
    let releaseAgainstLog: Bool
    let storeFigures: StoreFigures
    let lastCommit: LastCommit
    /// The broker's time (`Broker.now`).
    let now: @Sendable () -> Date
    let health: BrokerHealth
    let metrics: PrometheusCollectorRegistry
    let openAPI: OpenAPIDocument

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get(".well-known/jwks.json") { _, _ in
            // Short-lived in caches, so a key rotation reaches verifiers within minutes.
            var response = try JSONIO.response(jwks)
            response.headers[.cacheControl] = "public, max-age=300"
            return response
        }
        router.get("v1/audit/checkpoint") { _, _ in try await checkpoints.response() }
        router.get("v1/audit/log-key") { _, _ in Self.text(checkpoints.logSigner.verifierKey + "\n") }
        router.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: openAPI.bytes)))
        }
        router.get("healthz") { _, _ in Self.text("ok\n") }
        router.get("readyz") { _, _ in
            // From what the background checks last found, so a hung database or agency never holds
            // the answer: the monitor checks the database every second, and only when its last word
            // is older than five seconds (a monitor starved of CPU) is one made here, bounded by
            // waiting at most `BrokerHealth.readinessPatience`; the agency's is whatever was last heard.
            async let database = health.database.problem(maxAge: .seconds(5), waitingAtMost: BrokerHealth.readinessPatience)
            async let agency = health.agency.problem(maxAge: .seconds(86_400))
            async let witnesses = health.witnessProblem()
            let readiness = Readiness(database: await database, agency: await agency, witnesses: await witnesses, releaseAgainstLog: releaseAgainstLog)
            guard readiness.status == "ready" else { throw Problem.notReady(readiness) }
            return try JSONIO.response(readiness)
        }
        router.get("metrics") { _, _ in
            // Never from the database: from what the background refresh and this instance's commits
            // last saw, with its age, so a scrape answers while the database is away.
            storeFigures.publish(now: now())
            for dependency in [health.database, health.agency] + health.witnesses { await dependency.republish() }
            Gauge(label: SamtykkeMetrics.checkpointAge).record(lastCommit.age.seconds)
            var buffer: [UInt8] = []
            metrics.emit(into: &buffer)
            ProcessMetrics.emit(into: &buffer)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer))
            )
        }
    }

    /// `/readyz`'s answer: `ok`, or `unavailable: <why>` for each dependency (`witnesses` only
    /// with release against the log, when the agency demands their cosignatures). The broker is
    /// ready when all are ok; else the 503 problem document carries the same members.
    struct Readiness: Encodable, Sendable {
        let status: String
        let database: String
        let agency: String
        let witnesses: String?

        init(database: String?, agency: String?, witnesses: String?, releaseAgainstLog: Bool) {
            status = database == nil && agency == nil && witnesses == nil ? "ready" : "not-ready"
            self.database = database.map { "unavailable: \($0)" } ?? "ok"
            self.agency = agency.map { "unavailable: \($0)" } ?? "ok"
            self.witnesses = witnesses.map { "unavailable: \($0)" } ?? (releaseAgainstLog ? "ok" : nil)
        }

        var unavailable: [String] {
            [("database", database), ("agency", agency), ("witnesses", witnesses ?? "ok")].filter { $0.1 != "ok" }.map(\.0)
        }
    }

    static func text(_ body: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
