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
    let metrics: PrometheusCollectorRegistry
    let openAPI: OpenAPIDocument

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get(".well-known/jwks.json") { _, _ in try JSONIO.response(broker.jwks) }
        router.get("v1/audit/checkpoint") { _, _ in try await Self.checkpoint(broker: broker) }
        router.get("v1/audit/log-key") { _, _ in Self.text(broker.logVerifierKey + "\n") }
        router.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: openAPI.bytes)))
        }
        router.get("healthz") { _, _ in Self.text("ok\n") }
        let agencyHealth = AgencyHealth(agency: broker.agency)
        router.get("readyz") { _, context in
            do {
                try await broker.store.ping()
            } catch {
                context.logger.error("not ready: database unavailable")
                throw Problem(.serviceUnavailable, "not-ready", "Not ready", detail: "the database is unavailable", retryAfter: 1)
            }
            // Without the agency no bundle can be issued: not ready, and the reason says which part failed.
            if let problem = await agencyHealth.problem() {
                context.logger.warning("not ready: tax agency unavailable", metadata: ["reason": "\(problem.reason)"])
                throw Problem(.serviceUnavailable, "not-ready", "Not ready", detail: "the tax agency is unavailable (\(problem.reason))", retryAfter: 5)
            }
            return Self.text("ready\n")
        }
        router.get("metrics") { _, _ in
            Gauge(label: "samtykke_log_entries").record(Int64(try await broker.store.logHead().size))
            var buffer: [UInt8] = []
            metrics.emit(into: &buffer)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer))
            )
        }
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
