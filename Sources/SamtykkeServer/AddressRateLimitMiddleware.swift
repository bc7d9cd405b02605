import Foundation
import HTTPTypes
import Hummingbird
import Metrics
import NIOCore

/// The per-address limit, which runs before any credential is looked at: every request that does
/// not end up authenticated (public routes, unknown paths, refused credentials) costs its address a
/// token, and an address with none left gets 429 before its credential is read, a valid one too. So
/// API-key lookups and ID-token signature checks cost an attacker its allowance, while requests that
/// authenticate cost their address nothing (their caller's own limit applies).
struct AddressRateLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let limiter: RateLimiter
    let trustedProxies: [IPNetwork]

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let address = Self.client(of: request, peer: context.remoteAddress, trustedProxies: trustedProxies)
        if let wait = limiter.wait(for: address) {
            Counter(label: SamtykkeMetrics.rateLimited).increment()
            throw Problem(
                .tooManyRequests, "address-rate-limited", "Too many requests from this address",
                detail: "too many requests from this address were unauthenticated or refused; retry after \(wait) s", retryAfter: wait
            )
        }
        // Paid once the outcome is known, so a request that authenticates never pays.
        defer { if context.caller == nil { limiter.spend(for: address) } }
        return try await next(request, context)
    }

    /// The address a request is counted against (as `IPNetwork.limitKey` groups them). Without a
    /// peer (a socket that has none, the router test client) all requests share one key.
    static func client(of request: Request, peer: SocketAddress?, trustedProxies: [IPNetwork]) -> String {
        clientAddress(of: request, peer: peer, trustedProxies: trustedProxies).map(IPNetwork.limitKey) ?? "no-address"
    }

    /// The client's address, for the limit and the access log: its peer's, or, when the peer is a
    /// trusted proxy, the nearest `X-Forwarded-For` entry that is not one. Each proxy appends the
    /// address it got the request from, so what stands left of the last untrusted entry is that
    /// client's own word. Nil without a peer.
    static func clientAddress(of request: Request, peer: SocketAddress?, trustedProxies: [IPNetwork]) -> String? {
        guard let peer = peer?.ipAddress else { return nil }
        func trusted(_ address: String) -> Bool { trustedProxies.contains { $0.contains(address) } }
        guard trusted(peer) else { return peer }
        let hops = request.headers[values: forwardedFor].flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        return hops.last { !trusted($0) } ?? hops.first ?? peer
    }
}
