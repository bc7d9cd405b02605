import AgencyClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOPosix
import SamtykkeCore
import SamtykkeServer
import Testing

/// Slowloris and friends, on a real socket on 127.0.0.1: a client that sends half a head, trickles a
/// body or sends nothing loses its connection at the deadline for that part, and beyond the
/// connection cap new connections wait until one is given back, while requests in hand go on.
@Suite struct ConnectionDeadlineTests {
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

    static func options(idle: Duration = long, header: Duration = long, body: Duration = long, maxConnections: Int = 512) -> ServerOptions {
        var options = ServerOptions(port: 0)
        options.timeouts = ConnectionTimeouts(idle: idle, header: header, body: body)
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

    /// No deadline runs while the broker itself is answering: a bundle request whose agency call
    /// outlasts every timeout still gets its bundle.
    @Test func aSlowAnswerOutlastsEveryTimeout() async throws {
        var made = try await RouterHarness.make()
        made.broker.agency = SlowAgency(delay: .milliseconds(1500))
        let harness = made
        let token = try await harness.citizenToken()
        let id = try await harness.test { client in
            let id = try #require(try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: RouterHarness.request()).json["id"] as? String)
            #expect(try await client.send(.post, "/v1/me/consents/\(id)/grant", bearer: token).status == .ok)
            return id
        }
        let short = Duration.milliseconds(500)
        try await harness.serve(options: Self.options(idle: short, header: short, body: short), eventLoopGroup: .shared(Self.loops)) { port in
            let connection = try await RawConnection.open(port: port)
            try await connection.send(
                "POST /v1/consents/\(id)/bundles HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(harness.bankKey)\r\nContent-Length: 0\r\n\r\n"
            )
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
            for connection in slow { try await connection.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n") }
            let waiting = try await RawConnection.open(port: port)
            try await waiting.send(healthz)
            #expect(try await waiting.receives("HTTP/1.1", within: .milliseconds(500)) == false)
            // A connection the broker holds is served as ever.
            try await normal.send(healthz)
            #expect(try await normal.receives("HTTP/1.1 200", times: 2, within: .seconds(5)))
            // Once the header timeout takes the stalled ones back, the waiting one is answered.
            #expect(try await waiting.receives("HTTP/1.1 200", within: .seconds(10)))
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
