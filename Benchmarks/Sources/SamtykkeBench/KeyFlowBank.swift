import CurlHTTP
import Foundation
import SamtykkeCore
import SamtykkeJOSE

/// The benchmark's bank on the key flow (SPEC §2c), the same bank as the API key's: its public key
/// registered with `samtykke bank key add`, then for each window a DPoP-bound access token from
/// `/v1/token` and the window's proofs signed before it starts, so that the load generator's signing
/// does not take CPU from the broker it measures (a bank signs on its own machine).
struct KeyFlowBank: Sendable {
    let signer: BankKeySigner
    let brokerURL: String
    let client: CurlClient

    /// The token and the proofs of requests `first..<first + proofs.count` of one window.
    struct Window: Sendable {
        let token: String
        let first: Int
        let proofs: [String]
        let signer: BankKeySigner

        /// Request `n`'s headers; one past the signed ones gets its proof signed on the spot.
        var headers: @Sendable (Int, String) -> [CurlHeader] {
            { [self] n, url in
                let proof = n >= first && n - first < proofs.count
                    ? proofs[n - first] : (try? signer.proof(method: "POST", url: url, accessToken: token, now: Date())) ?? ""
                return [CurlHeader(name: "Authorization", value: "DPoP \(token)"), CurlHeader(name: "DPoP", value: proof)]
            }
        }
    }

    /// Signs proofs for `count` requests from request `first` on, `url(n)` being request n's URL.
    func window(from first: Int, count: Int, url: (Int) -> String) async throws -> Window {
        let now = Date()
        let tokenURL = brokerURL + "/v1/token"
        let answer = try await client.execute(CurlRequest(
            method: "POST", url: tokenURL,
            headers: [
                CurlHeader(name: "Content-Type", value: "application/x-www-form-urlencoded"),
                CurlHeader(name: "DPoP", value: try signer.proof(method: "POST", url: tokenURL, accessToken: nil, now: now)),
            ],
            body: try signer.tokenRequest(tokenURL: tokenURL, now: now)
        ))
        struct Grant: Decodable {
            let access_token: String
            let token_type: String
        }
        guard answer.status == 200, let grant = try? JSONDecoder().decode(Grant.self, from: Data(answer.body)), grant.token_type == "DPoP" else {
            throw BenchError("/v1/token answered \(answer.status): \(String(decoding: answer.body, as: UTF8.self))")
        }
        let proofs = try (first..<first + count).map { try signer.proof(method: "POST", url: url($0), accessToken: grant.access_token, now: now) }
        return Window(token: grant.access_token, first: first, proofs: proofs, signer: signer)
    }
}

extension BrokerBench {
    /// Registers a new key for the benchmark's bank in the broker's data directory (the running broker
    /// reads keys on every token request) and returns the bank that holds it.
    func keyFlowBank(brokerURL: String, data: String) async throws -> KeyFlowBank {
        let signer = BankKeySigner(org: try OrgNumber(Self.bankOrg))
        let jwks = work + "/bank.jwks"
        try Data(signer.publicJWKS.utf8).write(to: URL(fileURLWithPath: jwks))
        _ = try await cli(["bank", "key", "add", "--data-dir", data, "--org", Self.bankOrg, "--jwks", jwks])
        let client = CurlClient(configuration: CurlClientConfiguration(
            connectTimeout: .seconds(2), totalTimeout: .seconds(30), tls: nil, maxConcurrentRequests: 1,
            allowedProtocols: .httpAndHTTPS, userAgent: "samtykke-bench"
        ))
        return KeyFlowBank(signer: signer, brokerURL: brokerURL, client: client)
    }
}
