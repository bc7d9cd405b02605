import Foundation
import Hummingbird
import Metrics
import NIOCore
import Prometheus
import TransparencyLog

/// What anyone may read: signing keys, the log's checkpoint and key, health, metrics and the API's
/// own description.
struct PublicController {
    let broker: Broker
    let agencyHealth: AgencyHealth
    let metrics: PrometheusCollectorRegistry
    let openAPI: OpenAPIDocument

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get(".well-known/jwks.json") { _, _ in
            // Short-lived in caches, so a key rotation reaches verifiers within minutes.
            var response = try JSONIO.response(broker.jwks)
            response.headers[.cacheControl] = "public, max-age=300"
            return response
        }
        router.get("v1/audit/checkpoint") { _, _ in try await Self.checkpoint(broker: broker) }
        router.get("v1/audit/log-key") { _, _ in Self.text(broker.logVerifierKey + "\n") }
        router.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: openAPI.bytes)))
        }
        router.get("healthz") { _, _ in Self.text("ok\n") }
        router.get("readyz") { _, context in
            do {
                try await broker.store.ping()
            } catch {
                context.logger.error("not ready: database unavailable")
                throw Problem(.serviceUnavailable, "not-ready", "Not ready", detail: "the database is unavailable", retryAfter: 1)
            }
            // Every instance shares the one agency, so taking this one out of the load balancer
            // would cure nothing, and citizen and audit routes work without it: reported, not decisive.
            var agency = "ok"
            if let problem = await agencyHealth.problem() {
                context.logger.warning("tax agency unavailable", metadata: ["reason": "\(problem.reason)"])
                agency = "unavailable: \(problem.reason)"
            }
            return try JSONIO.response(Readiness(status: "ready", database: "ok", agency: agency))
        }
        router.get("metrics") { _, _ in
            // Read at scrape time, so they are as fresh as the scrape.
            Gauge(label: SamtykkeMetrics.logEntries).record(Int64(try await broker.store.logHead().size))
            Gauge(label: SamtykkeMetrics.checkpointAge).record(broker.lastCommit.age.seconds)
            _ = await agencyHealth.problem()
            var buffer: [UInt8] = []
            metrics.emit(into: &buffer)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer))
            )
        }
    }

    struct Readiness: Encodable {
        let status: String
        let database: String
        let agency: String
    }

    /// The newest signed checkpoint, here and at `/v1/audit/tlog/checkpoint`. It changes with every
    /// entry, so caches keep it only for a moment.
    static func checkpoint(broker: Broker) async throws -> Response {
        // Before the first entry the empty tree's checkpoint is signed on the spot: reading never writes.
        let head = try await broker.store.logHead()
        guard let note = head.checkpoint?.note else {
            var response = Self.text(try broker.logSigner.sign(size: 0, rootHash: MerkleHasher.emptyRoot).note)
            response.headers[.cacheControl] = Self.checkpointCaching
            return response
        }
        var response = Self.text(await broker.cosignatures.cosigned(note))
        response.headers[.cacheControl] = Self.checkpointCaching
        return response
    }

    static let checkpointCaching = "public, max-age=2"

    static func text(_ body: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
