import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// How long a client may take over each part of a request before the broker takes its connection
/// back: a half-sent head or body (slowloris) or a connection left open with nothing on it would
/// otherwise hold one of the broker's connections for as long as the client likes.
public struct ConnectionTimeouts: Sendable, Hashable {
    /// Waiting for the first byte on a new connection (or `idle`, if that is shorter): a client
    /// that connects has a request to send, and one that sends nothing only holds a connection.
    public var firstByte: Duration
    /// Waiting for the first byte of the next request after a response.
    public var idle: Duration
    /// From a request's first byte until its head is complete.
    public var header: Duration
    /// From a complete head until the last byte of its body, however slowly it trickles in.
    public var body: Duration

    public init(firstByte: Duration, idle: Duration, header: Duration, body: Duration) {
        self.firstByte = firstByte
        self.idle = idle
        self.header = header
        self.body = body
    }
}

/// HTTP/1.1 exactly as Hummingbird serves it, with `ConnectionDeadlines` on every connection and
/// no more connections from one address than `perAddress` lets in.
struct DeadlinedHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>
    let responder: HTTPChannelHandler.Responder
    let configuration: HTTP1Channel.Configuration
    let timeouts: ConnectionTimeouts
    let perAddress: AddressConnections

    /// A connection over its address's allowance, closed as it was accepted.
    struct OverAddressLimit: Error {}

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        // Called on the connection's event loop, before it reads anything. NIO leaves a connection
        // whose setup failed open, so a refused one is closed here.
        guard perAddress.admit(channel) else {
            logger.debug("closing a connection over its address's limit")
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(OverAddressLimit())
        }
        let parts: NIOLoopBound<ConnectionDeadlines.RequestParts>
        do {
            let deadlines = ConnectionDeadlines(timeouts: timeouts, logger: logger)
            try channel.pipeline.syncOperations.addHandler(deadlines, position: .first)
            parts = NIOLoopBound(ConnectionDeadlines.RequestParts(deadlines), eventLoop: channel.eventLoop)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        var configuration = configuration
        configuration.additionalChannelHandlers = { [parts] in [parts.value] }
        return HTTP1Channel(responder: responder, configuration: configuration).setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: value, logger: logger)
    }
}

/// One connection's deadline and the one timer that enforces it. It sits in front of the HTTP
/// decoder, where the first byte of a request arrives (starting the header deadline); its
/// `RequestParts` sits behind it, where a head is complete (the body deadline), a request fully read
/// (no deadline while a handler has it) and a response written (the idle deadline). When the
/// deadline passes the connection is closed: whatever the client sent so far is dropped.
final class ConnectionDeadlines: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private enum Phase: String {
        case firstByte, idle, header, body
    }

    private let timeouts: ConnectionTimeouts
    private let logger: Logger
    private var context: ChannelHandlerContext?
    private var timer: Scheduled<Void>?
    private var headsRead = 0
    private var requestsRead = 0
    private var responsesWritten = 0
    /// Bytes of a request whose head is not complete yet have arrived.
    private var inHead = false

    init(timeouts: ConnectionTimeouts, logger: Logger) {
        self.timeouts = timeouts
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { arm(.firstByte) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(.firstByte)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Bytes while a body is being read are that body's; any others begin the next request.
        if headsRead == requestsRead, !inHead {
            inHead = true
            arm(.header)
        }
        context.fireChannelRead(data)
    }

    private func headRead() {
        headsRead += 1
        inHead = false
        arm(.body)
    }

    private func requestRead() {
        requestsRead += 1
        settle()
    }

    private func responseWritten() {
        responsesWritten += 1
        settle()
    }

    /// After a request or a response ended: a body still coming and a head begun keep their
    /// deadlines; a request a handler is still answering has none; else the connection is idle.
    private func settle() {
        guard headsRead == requestsRead, !inHead else { return }
        if responsesWritten < requestsRead {
            timer?.cancel()
            timer = nil
        } else {
            arm(.idle)
        }
    }

    private func arm(_ phase: Phase) {
        guard let context else { return }
        timer?.cancel()
        let timeout = switch phase {
        case .firstByte: min(timeouts.firstByte, timeouts.idle)
        case .idle: timeouts.idle
        case .header: timeouts.header
        case .body: timeouts.body
        }
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) { [self] in
            timer = nil
            logger.debug("closing a connection that went over its deadline", metadata: ["phase": "\(phase.rawValue)"])
            self.context?.close(promise: nil)
        }
    }

    /// Behind the HTTP codec, telling `ConnectionDeadlines` where each request and response stands.
    final class RequestParts: ChannelDuplexHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPRequestPart
        typealias InboundOut = HTTPRequestPart
        typealias OutboundIn = HTTPResponsePart
        typealias OutboundOut = HTTPResponsePart

        private let deadlines: ConnectionDeadlines

        init(_ deadlines: ConnectionDeadlines) {
            self.deadlines = deadlines
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head: deadlines.headRead()
            case .body: break
            case .end: deadlines.requestRead()
            }
            context.fireChannelRead(data)
        }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            if case .end = unwrapOutboundIn(data) { deadlines.responseWritten() }
            context.write(data, promise: promise)
        }
    }
}

@available(*, unavailable)
extension ConnectionDeadlines: Sendable {}

@available(*, unavailable)
extension ConnectionDeadlines.RequestParts: Sendable {}
