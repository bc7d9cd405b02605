import Hummingbird
import NIOCore

/// Applies the switched-on faults to the data route: delay, a 503, a dropped connection, a body
/// that is not JSON, or a body dribbled out slowly.
struct FaultMiddleware: RouterMiddleware {
    typealias Context = AgencyRequestContext
    let faults: FaultSwitch

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let faults = faults.faults
        if faults.latency > .zero {
            context.logger.notice("fault: latency \(faults.latency)")
            try await Task.sleep(for: faults.latency)
        }
        if Double.random(in: 0..<1) < faults.resetRate {
            context.logger.notice("fault: connection reset")
            await context.closeConnection()
            throw CancellationError()
        }
        if Double.random(in: 0..<1) < faults.errorRate {
            context.logger.notice("fault: 503")
            throw Problem(status: .serviceUnavailable, slug: "unavailable", title: "Service unavailable", detail: "fault injected")
        }
        let response = try await next(request, context)
        guard response.status == .ok else { return response }
        if Double.random(in: 0..<1) < faults.malformedRate {
            context.logger.notice("fault: malformed body")
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{\"years\": [1, 2")))
        }
        guard let slowBody = faults.slowBody else { return response }
        var buffered = response
        let body = try await Self.collect(response.body)
        let pieces = 10
        buffered.body = ResponseBody { writer in
            let size = (body.readableBytes + pieces - 1) / pieces
            var remaining = body
            while let piece = remaining.readSlice(length: min(size, remaining.readableBytes)), piece.readableBytes > 0 {
                try await writer.write(piece)
                try await Task.sleep(for: slowBody / pieces)
            }
            try await writer.finish(nil)
        }
        buffered.headers[.contentLength] = String(body.readableBytes)
        return buffered
    }

    private static func collect(_ body: ResponseBody) async throws -> ByteBuffer {
        let collector = Collector()
        try await body.write(collector)
        return collector.buffer
    }

    /// Gathers a response body so it can be re-sent slowly.
    private final class Collector: ResponseBodyWriter, @unchecked Sendable {
        var buffer = ByteBuffer()
        func write(_ buffer: ByteBuffer) async throws {
            var copy = buffer
            self.buffer.writeBuffer(&copy)
        }
        func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
}
