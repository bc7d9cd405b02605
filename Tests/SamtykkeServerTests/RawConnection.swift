import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A bare TCP connection to the broker, for what no HTTP client does: stop halfway, trickle, or
/// open a connection and send nothing at all.
struct RawConnection: Sendable {
    let channel: any Channel
    private let collector: Collector

    /// From `source`, another loopback address (all of 127/8 is loopback on Linux), to play a
    /// second client.
    static func open(port: Int, from source: String = "127.0.0.1", on group: any EventLoopGroup = ConnectionDeadlineTests.loops) async throws -> RawConnection {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: group)
            .bind(to: try SocketAddress(ipAddress: source, port: 0))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return RawConnection(channel: channel, collector: collector)
    }

    /// What the broker sent on this connection so far.
    var received: String { collector.bytes.withLock { String(decoding: $0, as: UTF8.self) } }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text)).get()
    }

    func close() async {
        try? await channel.close()
    }

    /// When this side saw the connection open, the last bytes arrive, and the broker close it,
    /// each stamped on the event loop as it happened. A test task that a loaded process runs late
    /// would otherwise time the close from whenever it got to look.
    var openedAt: ContinuousClock.Instant? { collector.marks.withLock { $0.opened } }
    var lastReceivedAt: ContinuousClock.Instant? { collector.marks.withLock { $0.lastRead } }
    var closedAt: ContinuousClock.Instant? { collector.marks.withLock { $0.closed } }

    /// Waits until the broker has closed the connection and returns when it did; nil if it was still
    /// open after `limit` of waiting. Meanwhile `whileOpen` runs every 100 ms (to trickle bytes, say).
    func closed(within limit: Duration, whileOpen: () async throws -> Void = {}) async throws -> ContinuousClock.Instant? {
        let start = ContinuousClock.now
        while start.duration(to: .now) < limit {
            if let closedAt { return closedAt }
            try await whileOpen()
            try await Task.sleep(for: .milliseconds(100))
        }
        return closedAt
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
        struct Marks {
            var opened: ContinuousClock.Instant?
            var lastRead: ContinuousClock.Instant?
            var closed: ContinuousClock.Instant?
        }
        let bytes = Mutex<[UInt8]>([])
        let marks = Mutex(Marks())

        func channelActive(context: ChannelHandlerContext) {
            marks.withLock { $0.opened = .now }
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            bytes.withLock { $0 += buffer.readBytes(length: buffer.readableBytes) ?? [] }
            marks.withLock { $0.lastRead = .now }
        }

        func channelInactive(context: ChannelHandlerContext) {
            marks.withLock { $0.closed = .now }
            context.fireChannelInactive()
        }
    }
}
