import Crypto
import Foundation
import SamtykkeCore
import SamtykkeJOSE
import Synchronization
import Testing
import TestSupport

/// The ID provider rotates keys while the broker runs: a key added after start is picked up on the
/// first token that uses it, a withdrawn key stops working, and neither a burst of tokens nor a
/// provider that is down makes the broker hammer the provider's JWKS endpoint.
@Suite(.heavy, .sameOnEveryBackend) struct IDTokenRotationTests {
    /// A JWKS endpoint whose keys the test changes, counting how often it is asked.
    final class Provider: Sendable {
        private let state = Mutex<(keys: [P256.Signing.PrivateKey], loads: Int, down: Bool)>(([], 0, false))
        /// How long one answer takes, so concurrent callers overlap with a load in flight.
        let latency: Duration

        init(_ keys: [P256.Signing.PrivateKey], latency: Duration = .zero) {
            state.withLock { $0.keys = keys }
            self.latency = latency
        }

        var loads: Int { state.withLock { $0.loads } }
        func publish(_ keys: [P256.Signing.PrivateKey]) { state.withLock { $0.keys = keys } }
        func setDown(_ down: Bool) { state.withLock { $0.down = down } }

        func jwks() async throws -> String {
            let (keys, down) = state.withLock { state in
                state.loads += 1
                return (state.keys, state.down)
            }
            if latency > .zero { try await Task.sleep(for: latency) }
            guard !down else { throw CocoaError(.fileReadUnknown) }
            return String(decoding: try JSONEncoder().encode(JWKSet(keys: keys.map { PublicJWK($0.publicKey) })), as: UTF8.self)
        }
    }

    static let person = "14830351257"
    static let start = Date(timeIntervalSince1970: 1_900_000_000)

    static func verifier(_ provider: Provider) -> IDTokenVerifier {
        IDTokenVerifier(
            configuration: .init(
                issuer: DevIDProvider.issuer, audience: DevIDProvider.audience, maximumLifetime: 7200, minimumReloadInterval: 30, maximumKeyAge: 3600
            ),
            loadJWKS: { try await provider.jwks() }
        )
    }

    /// The refusal of a token whose key the keys held do not have.
    static func unknownKey(_ key: P256.Signing.PrivateKey) -> JOSEError {
        .badSignature("no key with kid \(PublicJWK(key.publicKey).kid) in the JWKS")
    }

    static func token(_ key: P256.Signing.PrivateKey, at time: Date) async throws -> String {
        try DevIDProvider(signer: ES256Signer(privateKey: key)).mint(pid: person, now: time, lifetime: 7200)
    }

    @Test func aKeyAddedAfterStartIsAcceptedOnceTheRateLimitAllows() async throws {
        let old = P256.Signing.PrivateKey()
        let new = P256.Signing.PrivateKey()
        let provider = Provider([old])
        let verifier = Self.verifier(provider)

        #expect(try await verifier.verify(try await Self.token(old, at: Self.start), now: Self.start).digits == Self.person)
        #expect(provider.loads == 1)

        provider.publish([old, new])
        let fromNewKey = try await Self.token(new, at: Self.start)
        // Ten seconds after the last load the unknown kid may not trigger another one yet.
        await #expect(throws: Self.unknownKey(new)) { try await verifier.verify(fromNewKey, now: Self.start + 10) }
        #expect(provider.loads == 1)
        // Past the interval it does, once, and the new key is trusted from then on.
        #expect(try await verifier.verify(fromNewKey, now: Self.start + 31).digits == Self.person)
        #expect(try await verifier.verify(fromNewKey, now: Self.start + 32).digits == Self.person)
        #expect(try await verifier.verify(try await Self.token(old, at: Self.start), now: Self.start + 33).digits == Self.person)
        #expect(provider.loads == 2)
    }

    @Test func aWithdrawnKeyStopsWorkingWhenTheKeysAreRefreshed() async throws {
        let old = P256.Signing.PrivateKey()
        let new = P256.Signing.PrivateKey()
        let provider = Provider([old, new])
        let verifier = Self.verifier(provider)
        let fromOldKey = try await Self.token(old, at: Self.start)
        #expect(try await verifier.verify(fromOldKey, now: Self.start).digits == Self.person)

        provider.publish([new])
        // Known keys are used as they are until they are an hour old...
        #expect(try await verifier.verify(fromOldKey, now: Self.start + 600).digits == Self.person)
        #expect(provider.loads == 1)
        // ...then the provider is asked again, and the key it withdrew is refused.
        await #expect(throws: Self.unknownKey(old)) { try await verifier.verify(fromOldKey, now: Self.start + 3601) }
        #expect(try await verifier.verify(try await Self.token(new, at: Self.start), now: Self.start + 3602).digits == Self.person)
        #expect(provider.loads == 2)
    }

    @Test func aBurstOfTokensLoadsTheKeysOnce() async throws {
        let key = P256.Signing.PrivateKey()
        let provider = Provider([key], latency: .milliseconds(100))
        let verifier = Self.verifier(provider)
        let token = try await Self.token(key, at: Self.start)
        let accepted = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 {
                group.addTask { try await verifier.verify(token, now: Self.start).digits == Self.person }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(accepted == 20)
        #expect(provider.loads == 1)
    }

    @Test func aProviderThatIsDownIsAskedAtMostOncePerInterval() async throws {
        let key = P256.Signing.PrivateKey()
        let provider = Provider([key])
        provider.setDown(true)
        let verifier = Self.verifier(provider)
        let token = try await Self.token(key, at: Self.start)
        let failed = await #expect(throws: JOSEError.self) { try await verifier.verify(token, now: Self.start) }
        guard case .key(let why)? = failed, why.hasPrefix("the ID provider's JWKS could not be loaded: ") else {
            Issue.record("\(String(describing: failed)) is not a failed load")
            return
        }
        for second in 1..<10 {
            await #expect(throws: JOSEError.key("the ID provider's JWKS could not be loaded; it is asked at most every 30 s")) {
                try await verifier.verify(token, now: Self.start + TimeInterval(second))
            }
        }
        #expect(provider.loads == 1)

        provider.setDown(false)
        #expect(try await verifier.verify(token, now: Self.start + 31).digits == Self.person)
        #expect(provider.loads == 2)
    }

    @Test func keysHeldSurviveAProviderOutage() async throws {
        let key = P256.Signing.PrivateKey()
        let provider = Provider([key])
        let verifier = Self.verifier(provider)
        let token = try await Self.token(key, at: Self.start)
        #expect(try await verifier.verify(token, now: Self.start).digits == Self.person)
        provider.setDown(true)
        // Due for a refresh, but the provider fails: the keys already held keep working.
        #expect(try await verifier.verify(token, now: Self.start + 3601).digits == Self.person)
        #expect(provider.loads == 2)
    }
}
