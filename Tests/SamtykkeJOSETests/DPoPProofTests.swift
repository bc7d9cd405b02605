import Foundation
import SamtykkeCore
import SamtykkeJOSE
import Testing
import TestSupport

/// `htu` as RFC 9449 §4.3 compares it: the request's URL as the broker spells it is taken as it is,
/// and any other spelling only once both are normalised.
@Suite(.sameOnEveryBackend) struct DPoPProofTests {
    static let now = Date(timeIntervalSince1970: 1_900_000_000)
    static let url = "https://broker.example/v1/consents/~a"
    let bank = BankKeySigner(org: try! OrgNumber("923609016"))

    func verified(htu: String, url: String = Self.url) async throws -> DPoPProof {
        let proof = try bank.proof(method: "POST", url: htu, accessToken: "token", now: Self.now)
        return try await DPoPProof.verify(proof, method: "POST", url: url, accessToken: "token", now: Self.now)
    }

    @Test func theBrokersSpellingOfTheURLIsTheRequestsURL() async throws {
        let proof = try await verified(htu: Self.url)
        #expect(proof.thumbprint == bank.dpopKey.publicJWK.kid)
    }

    @Test func anotherSpellingOfTheSameURLIsTheRequestsURL() async throws {
        for htu in ["HTTPS://Broker.EXAMPLE:443/v1/consents/%7ea", "https://broker.example/v1/consents/%7Ea"] {
            _ = try await verified(htu: htu)
        }
    }

    @Test func anotherURLIsRefused() async throws {
        for htu in ["https://broker.example/v1/consents/~b", "https://broker.example:8443/v1/consents/~a", "http://broker.example/v1/consents/~a", "not a URL"] {
            await #expect(throws: JOSEError.self, "\(htu)") { _ = try await verified(htu: htu) }
        }
    }
}

/// A proof is a compact JWS of exactly three parts, the signature not empty.
@Suite(.sameOnEveryBackend) struct DPoPProofShapeTests {
    let bank = BankKeySigner(org: try! OrgNumber("923609016"))

    @Test func onlyThreePartsWithASignatureAreAProof() async throws {
        let proof = try bank.proof(method: "GET", url: DPoPProofTests.url, accessToken: nil, now: DPoPProofTests.now)
        let parts = proof.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        _ = try await DPoPProof.verify(proof, method: "GET", url: DPoPProofTests.url, accessToken: nil, now: DPoPProofTests.now)
        for bad in [proof + ".", proof + "." + parts[2], parts[0] + "." + parts[1], parts[0] + "." + parts[1] + ".", parts[0] + parts[1] + "." + parts[2], ""] {
            await #expect(throws: JOSEError.malformed("the DPoP proof is not a compact JWS")) {
                _ = try await DPoPProof.verify(bad, method: "GET", url: DPoPProofTests.url, accessToken: nil, now: DPoPProofTests.now)
            }
        }
    }
}
