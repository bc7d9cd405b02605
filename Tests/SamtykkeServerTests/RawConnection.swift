import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A bare TCP connection to the broker, for what no HTTP client does: stop halfway, trickle, or
/// open a connection and send nothing at all.
struct RawConnection: Sendable {
    let channel: any Channel
    private let collector: Collector

    static func open(port: Int, on group: any EventLoopGroup = ConnectionDeadlineTests.loops) async throws -> RawConnection {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return RawConnection(channel: channel, collector: collector)
    }

    var isOpen: Bool { channel.isActive }

    /// What the broker sent on this connection so far.
    var received: String { collector.bytes.withLock { String(decoding: $0, as: UTF8.self) } }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text)).get()
    }

    func close() async {
        try? await channel.close()
    }

    /// How long until the broker closed the connection, counted from `start`; nil if it was still
    /// open at `limit`. Meanwhile `whileOpen` runs every 100 ms (to trickle bytes, say).
    func closed(since start: ContinuousClock.Instant = .now, within limit: Duration, whileOpen: () async throws -> Void = {}) async throws -> Duration? {
        while start.duration(to: .now) < limit {
            guard isOpen else { return start.duration(to: .now) }
            try await whileOpen()
            try await Task.sleep(for: .milliseconds(100))
        }
        return isOpen ? nil : start.duration(to: .now)
    }

    /// Waits until the broker has sent `text` `times` times in all; false if it had not by `limit`.
    func receives(_ text: String, times: Int = 1, within limit: Duration) async throws -> Bool {
        let start = ContinuousClock.now
        func arrived() -> Bool { received.components(separatedBy: text).count > times }
        while start.duration(to: .now) < limit {
            if arrived() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return arrived()
    }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let bytes = Mutex<[UInt8]>([])

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            bytes.withLock { $0 += buffer.readBytes(length: buffer.readableBytes) ?? [] }
        }
    }
}
