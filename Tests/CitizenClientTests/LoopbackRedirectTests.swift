@testable import CitizenClient
import CurlHTTP
import Testing
import TestSupport

/// RFC 8252 §7.3's loopback redirect, as `samtykke login` receives it: only the answer carrying this
/// login's `state` ends it. A request from anyone else on the machine (a process, a web page probing
/// loopback ports) is answered and ignored, and the login still completes.
@Suite(.sameOnEveryBackend) struct LoopbackRedirectTests {
    @Test func onlyTheAnswerWithThisLoginsStateEndsIt() async throws {
        let client = CurlClient(configuration: CurlClientConfiguration(connectTimeout: .seconds(2), totalTimeout: .seconds(10), allowedProtocols: .httpAndHTTPS))
        let (redirectURIs, announced) = AsyncStream.makeStream(of: String.self)
        let callers = Task { () -> [Int] in
            var uris = redirectURIs.makeAsyncIterator()
            guard let redirectURI = await uris.next() else { return [] }
            var statuses: [Int] = []
            for query in ["?state=another-login&code=stolen", "?code=stolen", "?state=this-login&code=good"] {
                statuses.append((try? await client.execute(.get(redirectURI + query)).status) ?? -1)
            }
            return statuses
        }
        let answer = try await LoopbackRedirect.receive(state: "this-login", page: "done", timeout: .seconds(20)) { announced.yield($0) }
        #expect(answer?["code"] == "good")
        #expect(await callers.value == [404, 404, 200])
    }
}
