import CurlHTTP
import Foundation
import SamtykkeJOSE

/// A bank that authenticates with only its private keys (SPEC §2c): it trades a grant assertion for
/// a DPoP-bound access token at `/v1/token`, takes a new one shortly before that one expires, and
/// signs a fresh proof for every call. `BrokerClient(server:session:)` sends its calls this way.
public actor BankKeySession {
    public nonisolated let server: String
    public nonisolated let signer: BankKeySigner
    private let client: CurlClient
    private var current: (grant: Grant, renewAt: Date)?

    /// `/v1/token`'s answer (RFC 6749 §5.1).
    public struct Grant: Decodable, Sendable {
        public let access_token: String
        public let token_type: String
        public let expires_in: Int
        public let scope: String
    }

    /// `/v1/token` refused the request (RFC 6749 §5.2).
    public struct Refused: Decodable, Error, CustomStringConvertible {
        public let error: String
        public let error_description: String?

        public var description: String { "/v1/token refused the grant: \(error)" + (error_description.map { ": \($0)" } ?? "") }
    }

    public init(server: String, signer: BankKeySigner) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.signer = signer
        self.client = CurlClient(configuration: CurlClientConfiguration(
            connectTimeout: .seconds(5), totalTimeout: .seconds(60), tls: nil,
            maxConcurrentRequests: 1, allowedProtocols: .httpAndHTTPS, userAgent: "samtykke-cli"
        ))
    }

    /// The access token in use, asked for when there is none or it expires within 30 s.
    public func grant(now: Date = Date()) async throws -> Grant {
        if let current, now < current.renewAt { return current.grant }
        let url = server + "/v1/token"
        let response: CurlResponse
        do {
            response = try await client.execute(CurlRequest(
                method: "POST", url: url,
                headers: [
                    CurlHeader(name: "Content-Type", value: "application/x-www-form-urlencoded"),
                    CurlHeader(name: "DPoP", value: try signer.proof(method: "POST", url: url, accessToken: nil, now: now)),
                ],
                body: try signer.tokenRequest(tokenURL: url, now: now)
            ))
        } catch {
            throw BrokerClientError.unreachable(server: server, cause: error)
        }
        guard response.status == 200 else {
            if let refused = try? JSONDecoder().decode(Refused.self, from: Data(response.body)) { throw refused }
            if let problem = try? JSONDecoder().decode(BrokerClient.Problem.self, from: Data(response.body)) { throw problem }
            throw BrokerClientError.status(response.status)
        }
        let grant = try BrokerClient.decode(response.body, as: Grant.self)
        current = (grant, now.addingTimeInterval(TimeInterval(grant.expires_in - 30)))
        return grant
    }

    /// The headers of one call of `method` to `url`: `Authorization: DPoP <token>` and its proof.
    public func headers(method: String, url: String) async throws -> [CurlHeader] {
        let now = Date()
        let token = try await grant(now: now).access_token
        return [
            CurlHeader(name: "Authorization", value: "DPoP \(token)"),
            CurlHeader(name: "DPoP", value: try signer.proof(method: method, url: url, accessToken: token, now: now)),
        ]
    }
}
