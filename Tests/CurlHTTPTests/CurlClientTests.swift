@testable import CurlHTTP
import NIOPosix
import Testing
import TestSupport

@Suite("CurlClient over plain HTTP", .sameOnEveryBackend)
struct CurlClientTests {
    private static let configuration = CurlClientConfiguration(
        connectTimeout: .seconds(2), totalTimeout: .seconds(30), maxConcurrentRequests: 4,
        allowedProtocols: .httpAndHTTPS)

    @Test func getReturnsStatusHeadersAndBody() async throws {
        try await TestServer.run { server in
            let client = CurlClient(configuration: Self.configuration)
            let response = try await client.execute(.get("\(server.baseURL)/hello"))
            #expect(response.status == 200)
            #expect(response.body == Array("hello".utf8))
            #expect(response.header(named: "CONTENT-LENGTH") == "5")
            #expect(response.header(named: "x-missing") == nil)
            #expect(response.newConnections == 1)
        }
    }

    @Test func postJSONSendsBodyAndHeaders() async throws {
        try await TestServer.run { server in
            let client = CurlClient(configuration: Self.configuration)
            let json = Array(#"{"consent":"granted","scopes":["income"]}"#.utf8)
            let response = try await client.execute(
                .postJSON("\(server.baseURL)/echo", body: json, headers: [CurlHeader(name: "X-Test", value: "round trip")]))
            #expect(response.status == 200)
            #expect(response.body == json)
            #expect(response.header(named: "x-echo-method") == "POST")
            #expect(response.header(named: "x-echo-test") == "round trip")
            #expect(response.header(named: "x-echo-content-type") == "application/json")
        }
    }

    @Test func customMethodSendsBinaryBodyIntact() async throws {
        try await TestServer.run { server in
            let client = CurlClient(configuration: Self.configuration)
            // Larger than libcurl's Expect: 100-continue threshold, with NULs a C string would cut.
            let body = (0..<1_500_000).map { UInt8(truncatingIfNeeded: $0) }
            let response = try await client.execute(CurlRequest(method: "PUT", url: "\(server.baseURL)/echo", body: body))
            #expect(response.status == 200)
            #expect(response.header(named: "x-echo-method") == "PUT")
            // Not `#expect(a == b)`: on failure it would render two 1.5 MB arrays.
            let intact = response.body == body
            #expect(intact)
            // Hummingbird never answers 100 Continue, so a request that asked would stall a second.
            #expect(response.header(named: "x-echo-expect") == "none")
        }
    }

    @Test(arguments: [404, 500])
    func errorStatusIsReturnedNotThrown(status: Int) async throws {
        try await TestServer.run { server in
            let client = CurlClient(configuration: Self.configuration)
            let response = try await client.execute(.get("\(server.baseURL)/status/\(status)"))
            #expect(response.status == status)
        }
    }

    @Test func concurrentRequestsStayWithinTheCap() async throws {
        // Threads come as transfers need them, so only the client's cap can limit concurrency.
        var configuration = Self.configuration
        configuration.maxConcurrentRequests = 2
        let client = CurlClient(configuration: configuration)
        try await TestServer.run { server in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await client.execute(.get("\(server.baseURL)/slow/100")).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 8))
            #expect(server.inFlight.maximum == 2)
        }
    }

    @Test func cancelledWaiterGivesUpItsPlaceWithoutLeakingAPermit() async throws {
        var configuration = Self.configuration
        configuration.maxConcurrentRequests = 1
        let client = CurlClient(configuration: configuration)
        try await TestServer.run { server in
            let holder = Task { try await client.execute(.get("\(server.baseURL)/slow/300")) }
            while server.inFlight.current == 0 {
                try await Task.sleep(for: .milliseconds(5))
            }
            let waiter = Task { try await client.execute(.get("\(server.baseURL)/hello")) }
            // Cancelled while it waits in line, not before it got there.
            while client.permits.waiting == 0 {
                try await Task.sleep(for: .milliseconds(5))
            }
            // The cancellation handler runs within cancel(): the place in line is given up at once,
            // not when the request ahead of it ends.
            waiter.cancel()
            #expect(client.permits.waiting == 0)
            await #expect(throws: CancellationError.self) { try await waiter.value }
            #expect(try await holder.value.status == 200)
            #expect(try await client.execute(.get("\(server.baseURL)/hello")).status == 200)
        }
    }

    @Test func slowResponseTimesOut() async throws {
        try await TestServer.run { server in
            var configuration = Self.configuration
            configuration.totalTimeout = .milliseconds(300)
            // The server would answer after 10 s, so an answer at all means no timeout fired; the bound
            // below is under that by more than a loaded 2-core machine delays a thread (5.5 s once
            // was seen while the whole suite ran).
            let url = "\(server.baseURL)/slow/10000"
            let cases: [(CurlClient, CurlRequest)] = [
                (CurlClient(configuration: configuration), .get(url)),
                (CurlClient(configuration: Self.configuration), .get(url, timeout: .milliseconds(300))),
            ]
            for (client, request) in cases {
                let start = ContinuousClock.now
                let error = await #expect(throws: CurlError.self) { try await client.execute(request) }
                #expect(ContinuousClock.now - start < .seconds(9))
                guard case .timeout(_, let code, _) = error else {
                    Issue.record("expected .timeout, got \(String(describing: error))")
                    continue
                }
                #expect(code == 28)
                #expect(error?.description.hasPrefix("Request to \(server.baseURL) timed out: ") == true)
            }
        }
    }

    /// A handshake that never ends is a connection that never opened, not a request that timed out:
    /// nothing was sent, so a caller may safely try again (a single-use consent token too).
    @Test func aHandshakeThatNeverEndsFailsToConnect() async throws {
        let silent = try RefusingPort(listening: true)
        var configuration = Self.configuration
        configuration.connectTimeout = .milliseconds(300)
        let client = CurlClient(configuration: configuration)
        let error = await #expect(throws: CurlError.self) {
            try await client.execute(.get("https://127.0.0.1:\(silent.port)/hello"))
        }
        guard case .connect(_, let code, _) = error else {
            Issue.record("expected .connect, got \(String(describing: error))")
            return
        }
        #expect(code == 28)
    }

    @Test func closedPortFailsToConnect() async throws {
        let closed = try RefusingPort()
        let client = CurlClient(configuration: Self.configuration)
        let error = await #expect(throws: CurlError.self) {
            try await client.execute(.get("http://127.0.0.1:\(closed.port)/hello"))
        }
        guard case .connect(let origin, let code, _) = error else {
            Issue.record("expected .connect, got \(String(describing: error))")
            return
        }
        #expect(code == 7)
        #expect(origin == "http://127.0.0.1:\(closed.port)")
    }

    @Test func requestsThatCannotBeSentAreInvalid() async throws {
        let httpsOnly = CurlClient(configuration: CurlClientConfiguration(allowedProtocols: .https))
        let client = CurlClient(configuration: Self.configuration)
        let cases: [(CurlClient, CurlRequest, Int)] = [
            (httpsOnly, .get("http://127.0.0.1:1/"), 1),
            (client, .get("http://user:secret@[::1/path?token=x"), 3),
            (client, .get("http://127.0.0.1:1/", headers: [CurlHeader(name: "X-Test", value: "a\r\nInjected: yes")]), 43),
            (client, CurlRequest(method: "GET /evil", url: "http://127.0.0.1:1/"), 43),
        ]
        for (client, request, expectedCode) in cases {
            let error = await #expect(throws: CurlError.self) { try await client.execute(request) }
            guard case .invalidRequest(_, let code, _) = error else {
                Issue.record("expected .invalidRequest for \(request.url), got \(String(describing: error))")
                continue
            }
            #expect(code == expectedCode)
            #expect(error?.description.contains("secret") == false)
            #expect(error?.description.contains("token=x") == false)
        }
    }

    @Test func bodyOverTheCapIsATransportError() async throws {
        try await TestServer.run { server in
            var configuration = Self.configuration
            configuration.maxResponseBytes = 64 * 1024
            let client = CurlClient(configuration: configuration)
            let atCap = try await client.execute(.get("\(server.baseURL)/bytes/\(64 * 1024)"))
            #expect(atCap.body.count == 64 * 1024)
            let error = await #expect(throws: CurlError.self) {
                try await client.execute(.get("\(server.baseURL)/bytes/300000"))
            }
            guard case .transport(_, _, let message) = error else {
                Issue.record("expected .transport, got \(String(describing: error))")
                return
            }
            #expect(message.contains("65536"))
        }
    }
}

/// The pins as libcurl takes them: names through CURLOPT_RESOLVE, an IPv6 literal host (which
/// RESOLVE cannot name) through CURLOPT_CONNECT_TO to its one address.
@Suite(.sameOnEveryBackend) struct CurlPinsTests {
    @Test func namesAreResolvedAndIPv6LiteralsConnectedTo() {
        let pins = CurlPins(["hooks.example:8443:172.32.0.1,[2001:db8::1]", "172.32.0.1:443:172.32.0.1", "[2001:db8::1]:8443:[2001:db8::1]"])
        #expect(pins.resolve == ["hooks.example:8443:172.32.0.1,[2001:db8::1]", "172.32.0.1:443:172.32.0.1"])
        #expect(pins.connectTo == ["[2001:db8::1]:8443:[2001:db8::1]:8443"])
    }
}
