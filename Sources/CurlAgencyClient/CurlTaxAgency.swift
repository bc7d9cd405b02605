import AgencyClient
import CurlHTTP
import Foundation
import Metrics
import SamtykkeCore

/// The tax agency over HTTPS with mutual TLS, through libcurl.
public final class CurlTaxAgency: TaxAgency {
    public let name: String
    private let baseURL: String
    private let client: CurlClient
    public let retry: RetryPolicy
    /// Each consent token is good for one release (release against the log, SPEC §5): an attempt
    /// that may have reached the agency is not repeated with it (`RetryPolicy.isRetryable(_:singleUseToken:reachedAgency:)`).
    public let singleUseTokens: Bool

    /// - Parameters:
    ///   - baseURL: e.g. `https://127.0.0.1:8443`.
    ///   - tls: the broker's client certificate and key, and the CA that is the only trust anchor.
    ///   - maxConcurrentRequests: the cap on simultaneous agency calls; more wait their turn.
    ///   - proxy: the proxy to go through (`CurlClientConfiguration.proxy`); nil connects directly.
    ///   - singleUseTokens: true when the broker releases against the log.
    public init(
        baseURL: String, tls: CurlTLSConfiguration, connectTimeout: Duration = .seconds(2), retry: RetryPolicy = RetryPolicy(), maxConcurrentRequests: Int = 16,
        proxy: String? = nil, singleUseTokens: Bool = false
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.name = self.baseURL
        self.retry = retry
        self.singleUseTokens = singleUseTokens
        self.client = CurlClient(configuration: CurlClientConfiguration(
            connectTimeout: connectTimeout,
            totalTimeout: retry.attemptTimeout,
            tls: tls,
            maxConcurrentRequests: maxConcurrentRequests,
            allowedProtocols: .https,
            userAgent: "samtykke-broker",
            proxy: proxy,
            connectionsOpened: { Counter(label: AgencyMetric.tlsHandshakes).increment(by: $0) }
        ))
    }

    public func taxData(for person: PersonID, consentToken: String, deadline: ContinuousClock.Instant) async throws(AgencyError) -> AgencyResponse {
        var attempt = 0
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .milliseconds(10) else { throw .timeout("the deadline passed after \(attempt) attempt(s)") }
            do throws(FailedAttempt) {
                return try await fetch(person, consentToken: consentToken, timeout: min(retry.attemptTimeout, remaining))
            } catch {
                attempt += 1
                guard attempt < retry.maxAttempts,
                    RetryPolicy.isRetryable(error.error, singleUseToken: singleUseTokens, reachedAgency: error.reachedAgency)
                else { throw error.error }
                let pause = retry.delay(afterAttempt: attempt)
                guard ContinuousClock.now.advanced(by: pause) < deadline else { throw error.error }
                do {
                    try await Task.sleep(for: pause)
                } catch {
                    throw .timeout("cancelled while waiting to retry")
                }
            }
        }
    }

    public func checkHealth(deadline: ContinuousClock.Instant) async throws(AgencyError) {
        let response: CurlResponse
        do {
            response = try await client.execute(.get("\(baseURL)/healthz", timeout: ContinuousClock.now.duration(to: deadline)))
        } catch let error as CurlError {
            throw Self.map(error)
        } catch {
            throw .timeout("cancelled")
        }
        guard response.status == 200 else { throw .status(response.status, "health check failed") }
    }

    /// An attempt's failure, and whether its request may have reached the agency.
    private struct FailedAttempt: Error {
        let error: AgencyError
        let reachedAgency: Bool
    }

    private func fetch(_ person: PersonID, consentToken: String, timeout: Duration) async throws(FailedAttempt) -> AgencyResponse {
        let request = CurlRequest.get(
            "\(baseURL)/v1/persons/\(person.digits)/tax-data",
            headers: [CurlHeader(name: "Authorization", value: "Bearer \(consentToken)"), CurlHeader(name: "Accept", value: "application/json")],
            timeout: timeout
        )
        let response: CurlResponse
        do {
            response = try await client.execute(request)
        } catch let error as CurlError {
            // Only a connection that never opened surely kept the request from the agency.
            let unsent = if case .connect = error { true } else { false }
            throw FailedAttempt(error: Self.map(error), reachedAgency: !unsent)
        } catch {
            // Cancelled, perhaps with the request on its way.
            throw FailedAttempt(error: .timeout("cancelled while waiting for a connection to the agency"), reachedAgency: true)
        }
        do throws(AgencyError) {
            return try Self.answer(response, about: person)
        } catch {
            throw FailedAttempt(error: error, reachedAgency: true)
        }
    }

    private static func answer(_ response: CurlResponse, about person: PersonID) throws(AgencyError) -> AgencyResponse {
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
        guard data.figuresAreExactInJSON else { throw .malformedBody("a figure is beyond ±(2^53 − 1), which a bundle cannot carry exactly") }
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
