import AgencyClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOPosix
import SamtykkeCore
import SamtykkeServer
import Testing
import TestSupport

/// Slowloris and friends, on a real socket on 127.0.0.1: a client that sends half a head, trickles a
/// body or sends nothing loses its connection at the deadline for that part, beyond the connection
/// cap new connections wait until one is given back, while requests in hand go on, and one address
/// flooding the broker from 127.0.0.2 holds no more than its own allowance.
@Suite(.sameOnEveryBackend) struct ConnectionDeadlineTests {
    static let long = Duration.seconds(30)

    /// Event loops of their own for these brokers and their bare connections: deadlines are timers
    /// on the loops, which the rest of a full run would otherwise share.
    static let loops = MultiThreadedEventLoopGroup(numberOfThreads: 2)

    /// How long after `mark` (by default the moment this side saw it open) the broker closed
    /// `connection`, both stamped on the connection's event loop; nil (a failure) if it is still open
    /// at `limit`. Full runs once saw closes 20 s late: child processes had inherited the sockets
    /// (`Spawn` now closes them in the child), so a late close fails again.
    static func closeTime(
        of connection: RawConnection, after mark: KeyPath<RawConnection, ContinuousClock.Instant?> = \.openedAt,
        within limit: Duration, whileOpen: () async throws -> Void = {}
    ) async throws -> Duration? {
        guard let closed = try await connection.closed(within: limit, whileOpen: whileOpen) else { return nil }
        return try #require(connection[keyPath: mark]).duration(to: closed)
    }

    static func options(
        firstByte: Duration = long, idle: Duration = long, header: Duration = long, body: Duration = long, maxConnections: Int = 512
    ) -> ServerOptions {
        var options = ServerOptions(port: 0)
        options.timeouts = ConnectionTimeouts(firstByte: firstByte, idle: idle, header: header, body: body)
        options.maxConnections = maxConnections
        return options
    }

    @Test func aHeadTrickledInIsCutOffAtTheHeaderTimeout() async throws {
        let harness = try await RouterHarness.make()
        try await harness.test(.live, options: Self.options(header: .milliseconds(500)), eventLoopGroup: .shared(Self.loops)) { client in
            let slow = try await RawConnection.open(port: try #require(client.port))
            try await slow.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
            // A header line every 100 ms: each is progress, none makes the head complete.
            var line = 0
            let closedAfter = try #require(try await Self.closeTime(of: slow, within: .seconds(10)) {
                line += 1
                try? await slow.send("X-Slow-\(line): 1\r\n")
            })
            // Half the deadline: this side sees the connection open a little after the broker accepts it.
            #expect(closedAfter >= .milliseconds(250), "\(closedAfter)")
            #expect(slow.received.isEmpty)
            #expect(try await client.send(.get, "/healthz").status == .ok)
        }
    }

    @Test func aBodyTrickledInIsCutOffAtTheBodyTimeout() async throws {
        let harness = try await RouterHarness.make()
        try await harness.test(.live, options: Self.options(body: .milliseconds(500)), eventLoopGroup: .shared(Self.loops)) { client in
            let slow = try await RawConnection.open(port: try #require(client.port))
            try await slow.send(
                "POST /v1/consents HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(harness.bankKey)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{"
            )
            let closedAfter = try #require(try await Self.closeTime(of: slow, within: .seconds(10)) { try? await slow.send(" ") })
            // Half the deadline: this side sees the connection open a little after the broker accepts it.
            #expect(closedAfter >= .milliseconds(250), "\(closedAfter)")
            #expect(try await client.send(.get, "/v1/consents", bearer: harness.bankKey).json["consents"] as? [Any] != nil)
        }
    }

    @Test func aConnectionLeftIdleIsClosedAtTheIdleTimeout() async throws {
        let harness = try await RouterHarness.make()
        // Long enough that a loaded machine still sends on a connection it just opened before the
        // deadline takes it (at 500 ms full runs lost that race).
        try await harness.test(.live, options: Self.options(idle: .seconds(2)), eventLoopGroup: .shared(Self.loops)) { client in
            let port = try #require(client.port)
            let silent = try await RawConnection.open(port: port)
            let closedAfter = try #require(try await Self.closeTime(of: silent, within: .seconds(10)))
            // Half the deadline: this side sees the connection open a little after the broker accepts it.
            #expect(closedAfter >= .seconds(1), "\(closedAfter)")
            // After an answer a kept-alive connection is idle again, and goes the same way.
            let used = try await RawConnection.open(port: port)
            try await used.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(try await used.receives("HTTP/1.1 200", within: .seconds(5)))
            #expect(try await Self.closeTime(of: used, after: \.lastReceivedAt, within: .seconds(10)) != nil)
        }
    }

    @Test func aNewConnectionThatSendsNothingIsClosedAtTheFirstByteTimeout() async throws {
        let harness = try await RouterHarness.make()
        // 2 s for the reason the idle test gives.
        try await harness.test(.live, options: Self.options(firstByte: .seconds(2)), eventLoopGroup: .shared(Self.loops)) { client in
            let port = try #require(client.port)
            let silent = try await RawConnection.open(port: port)
            let closedAfter = try #require(try await Self.closeTime(of: silent, within: .seconds(10)))
            #expect(closedAfter >= .seconds(1), "\(closedAfter)")
            // Between requests the (here longer) idle timeout applies instead.
            let used = try await RawConnection.open(port: port)
            try await used.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(try await used.receives("HTTP/1.1 200", within: .seconds(5)))
            #expect(try await used.closed(within: .seconds(4)) == nil)
            await used.close()
        }
    }

    /// What one address does to the broker in a flood, each of its connections stopping where it
    /// stops: before its first byte, inside a request head, or inside a body.
    enum Flood: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case idle, slowHeader, slowBody
        var testDescription: String { rawValue }

        var connections: Int { self == .idle ? 512 : 600 }

        var opening: String? {
            switch self {
            case .idle: nil
            case .slowHeader: "GET /healthz HTTP/1.1\r\nHost: localhost\r\n"
            case .slowBody: "POST /v1/consents HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
            }
        }
    }

    /// With the defaults `serve` runs with, 512 silent, 600 slow-header or 600 slow-body connections
    /// from 127.0.0.2 (each more than the whole connection cap was before a per-address one) leave
    /// `/healthz` answering 127.0.0.1 within 100 ms of what it took before: the broker keeps the flooding address's first
    /// `maxConnectionsPerAddress` until their deadlines and closes the rest as they come.
    @Test(.serialized, arguments: Flood.allCases)
    func oneAddressFloodingLeavesTheBrokerToEveryoneElse(_ flood: Flood) async throws {
        let harness = try await RouterHarness.make()
        let options = ServerOptions(port: 0)
        try await harness.serve(options: options, eventLoopGroup: .shared(Self.loops)) { port in
            func healthzLatencies() async throws -> [Duration] {
                var latencies: [Duration] = []
                for _ in 0..<10 {
                    let client = try await RawConnection.open(port: port)
                    try await client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    let answered = try await client.receives("HTTP/1.1 200", within: .seconds(3))
                    await client.close()
                    guard answered, let opened = client.openedAt, let last = client.lastReceivedAt else { break }
                    latencies.append(opened.duration(to: last))
                }
                return latencies
            }
            // What the machine itself costs a request right now (the suite runs many tests at
            // once on few cores): the flood may add no more than 100 ms to it.
            let baseline = try await healthzLatencies()
            try #require(baseline.count == 10, "answered \(baseline.count) of 10 before the flood")
            let attack = try await withThrowingTaskGroup(of: RawConnection.self) { group in
                for _ in 0..<flood.connections {
                    group.addTask {
                        let connection = try await RawConnection.open(port: port, from: "127.0.0.2")
                        if let opening = flood.opening { try? await connection.send(opening) }
                        return connection
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            defer { Task { for connection in attack { await connection.close() } } }
            // Settled once the broker has closed every connection over the allowance.
            let refused = flood.connections - options.maxConnectionsPerAddress
            let settling = ContinuousClock.now
            while attack.count(where: { $0.closedAt != nil }) < refused, settling.duration(to: .now) < .seconds(5) {
                try await Task.sleep(for: .milliseconds(50))
            }
            // Counted outside `#expect`, whose expansion of this closure counted the wrong ones.
            let held = attack.count { $0.closedAt == nil }
            #expect(held == options.maxConnectionsPerAddress)

            let latencies = try await healthzLatencies()
            // Every request answered, and typically at once (a few ms alone). Compared by the lower
            // quartile: a machine busy with the rest of a full run has held up half of ten requests
            // by 100-400 ms while nothing here waited, whereas a flood that takes the broker's
            // connections holds up every request until a deadline frees one (seconds).
            try #require(latencies.count == 10, "answered \(latencies.count) of 10")
            let quartile = latencies.sorted()[latencies.count / 4], before = baseline.sorted()[baseline.count / 2]
            #expect(quartile < before + .milliseconds(100), "\(latencies), before the flood \(baseline)")
        }
    }

    /// A trusted proxy carries many clients over its connections, so its address is not capped;
    /// any other address is.
    @Test func aTrustedProxyIsNotHeldToThePerAddressCap() async throws {
        var made = try await RouterHarness.make()
        made.settings.trustedProxies = [try #require(IPNetwork("127.0.0.2"))]
        let harness = made
        var options = Self.options()
        options.maxConnectionsPerAddress = 2
        try await harness.serve(options: options, eventLoopGroup: .shared(Self.loops)) { port in
            for (source, answered) in [("127.0.0.2", 3), ("127.0.0.3", 2)] {
                var connections: [RawConnection] = []
                for _ in 0..<3 {
                    let connection = try await RawConnection.open(port: port, from: source)
                    try? await connection.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    _ = try await connection.receives("HTTP/1.1 200", within: .seconds(2))
                    connections.append(connection)
                }
                let served = connections.count { $0.received.hasPrefix("HTTP/1.1 200") }
                #expect(served == answered, "\(source)")
                // Over the allowance a connection is closed as it is accepted.
                let closed = connections.count { $0.closedAt != nil }
                #expect(closed == 3 - answered, "\(source)")
                for connection in connections { await connection.close() }
            }
        }
    }

    /// No deadline runs while the broker itself is answering: a bundle request whose agency call
    /// outlasts every timeout still gets its bundle.
    @Test func aSlowAnswerOutlastsEveryTimeout() async throws {
        var made = try await RouterHarness.make()
        made.settings.given.agency = SlowAgency(delay: .milliseconds(1500))
        let harness = made
        let token = try await harness.citizenToken()
        let id = try await harness.test { client in
            let id = try #require(try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: RouterHarness.request()).json["id"] as? String)
            #expect(try await client.send(.post, "/v1/me/consents/\(id)/grant", bearer: token).status == .ok)
            return id
        }
        let short = Duration.milliseconds(500)
        try await harness.serve(options: Self.options(idle: short, header: short, body: short), eventLoopGroup: .shared(Self.loops)) { port in
            let request = "POST /v1/consents/\(id)/bundles HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(harness.bankKey)\r\nContent-Length: 0\r\n\r\n"
            // The header deadline runs from the moment a connection opens: a machine that stalls past
            // it before the request is written loses the connection for a reason this test is not
            // about (seen once as "I/O on closed channel"), so that case opens another.
            var connection = try await RawConnection.open(port: port)
            for attempt in 1...3 {
                do {
                    try await connection.send(request)
                    break
                } catch where attempt < 3 {
                    connection = try await RawConnection.open(port: port)
                }
            }
            #expect(try await connection.receives("HTTP/1.1 201", within: .seconds(10)), "\(connection.received)")
            await connection.close()
        }
    }

    /// The cap holds against `.live` test clients too, so this runs the broker itself and talks to it
    /// over bare connections only.
    @Test func beyondTheCapConnectionsWaitUntilSlowClientsAreCutOff() async throws {
        let harness = try await RouterHarness.make()
        try await harness.serve(options: Self.options(header: .seconds(2), maxConnections: 3), eventLoopGroup: .shared(Self.loops)) { port in
            let healthz = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"
            var held: [RawConnection] = []
            for _ in 0..<3 {
                let connection = try await RawConnection.open(port: port)
                // Answered, so the broker has taken this connection.
                try await connection.send(healthz)
                #expect(try await connection.receives("HTTP/1.1 200", within: .seconds(5)))
                held.append(connection)
            }
            let (normal, slow) = (held[0], held[1...])
            // Two of them stall in their next head.
            let stalled = ContinuousClock.now
            for connection in slow { try await connection.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n") }
            let waiting = try await RawConnection.open(port: port)
            try await waiting.send(healthz)
            // A connection the broker holds is served as ever.
            try await normal.send(healthz)
            #expect(try await normal.receives("HTTP/1.1 200", times: 2, within: .seconds(5)))
            // The waiting one is answered only once the header timeout has taken the stalled ones
            // back: not before it (however slow the machine, it can only be later), but then.
            #expect(try await waiting.receives("HTTP/1.1 200", within: .seconds(15)))
            let waited = stalled.duration(to: .now)
            #expect(waited > .milliseconds(1800), "answered after \(waited), before the stalled connections' 2 s header timeout")
            // Closed by then on the broker's side.
            for connection in slow { #expect(try await Self.closeTime(of: connection, within: .seconds(10)) != nil) }
            for connection in [normal, waiting] { await connection.close() }
        }
    }
}

/// An agency that takes its time, as the real one may.
struct SlowAgency: TaxAgency {
    let delay: Duration
    var name: String { "slow-agency" }

    func taxData(for person: PersonID, consentToken: String, deadline: ContinuousClock.Instant) async throws(AgencyError) -> AgencyResponse {
        do {
            try await Task.sleep(for: delay)
        } catch {
            throw .timeout("cancelled")
        }
        return try await StubAgency().taxData(for: person, consentToken: consentToken, deadline: deadline)
    }

    func checkHealth(deadline: ContinuousClock.Instant) async throws(AgencyError) {}
}
