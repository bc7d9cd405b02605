import CurlHTTP
import Foundation
import SamtykkeCore

/// The tax agency over HTTPS with mutual TLS, through libcurl.
public final class CurlTaxAgency: TaxAgency {
    public let name: String
    private let baseURL: String
    private let client: CurlClient

    /// - Parameters:
    ///   - baseURL: e.g. `https://127.0.0.1:8443`.
    ///   - tls: the broker's client certificate and key, and the CA that is the only trust anchor.
    public init(baseURL: String, tls: CurlTLSConfiguration, connectTimeout: Duration = .seconds(2), totalTimeout: Duration = .seconds(10), maxConcurrentRequests: Int = 16) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.name = self.baseURL
        self.client = CurlClient(configuration: CurlClientConfiguration(
            connectTimeout: connectTimeout,
            totalTimeout: totalTimeout,
            tls: tls,
            maxConcurrentRequests: maxConcurrentRequests,
            allowedProtocols: .https,
            userAgent: "samtykke-broker"
        ))
    }

    public func taxData(for person: PersonID, consentToken: String) async throws(AgencyError) -> AgencyResponse {
        let request = CurlRequest.get(
            "\(baseURL)/v1/persons/\(person.digits)/tax-data",
            headers: [CurlHeader(name: "Authorization", value: "Bearer \(consentToken)"), CurlHeader(name: "Accept", value: "application/json")]
        )
        let response: CurlResponse
        do {
            response = try await client.execute(request)
        } catch let error as CurlError {
            throw Self.map(error)
        } catch {
            throw .unreachable("\(error)")
        }
        switch response.status {
        case 200: break
        case 404: throw .personUnknown
        default:
            let title = (try? JSONDecoder().decode(ProblemTitle.self, from: Data(response.body)))?.title ?? "no detail"
            throw .status(response.status, title)
        }
        let data: TaxData
        do {
            data = try JSONDecoder().decode(TaxData.self, from: Data(response.body))
        } catch {
            throw .malformedBody("the body is not tax data")
        }
        guard data.personId == person else { throw .malformedBody("the answer is about another person") }
        return AgencyResponse(body: response.body, data: data)
    }

    private struct ProblemTitle: Decodable { let title: String }

    static func map(_ error: CurlError) -> AgencyError {
        switch error {
        case .tls: .tls(error.description)
        case .timeout: .timeout(error.description)
        case .connect, .transport, .invalidRequest: .unreachable(error.description)
        }
    }
}
