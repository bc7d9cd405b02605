import BrokerClient
import Foundation
import SamtykkeAPI
import SamtykkeCore

/// The citizen's side of the broker's API (`/v1/me/…`), with every failure turned into a
/// `CitizenError`. Each call hands back the broker's document as it came too, for `--json`.
public struct CitizenBroker: Sendable {
    public let client: BrokerClient
    let credential: CitizenCredential
    let now: @Sendable () -> Date

    public init(server: String, idToken: String, now: @escaping @Sendable () -> Date = Date.init) {
        self.init(server: server, credential: .idToken(idToken), now: now)
    }

    public init(server: String, credential: CitizenCredential, now: @escaping @Sendable () -> Date = Date.init) {
        client = BrokerClient(server: server, credential: credential.bearer)
        self.credential = credential
        self.now = now
    }

    /// The newest consents naming the citizen, at most `limit`, and whether more remain. `page` sees
    /// each page's document as the broker sent it.
    public func consents(status: ConsentStatus?, limit: Int, page: ([UInt8]) -> Void = { _ in }) async throws(CitizenError) -> ConsentPaging.Result {
        try await citizen {
            try await ConsentPaging.collect(limit: limit) { size, after in
                let query = ["limit=\(size)", status.map { "status=\($0.rawValue)" }, after.map { "after=\($0)" }].compactMap { $0 }.joined(separator: "&")
                let body = try await client.send("GET", "/v1/me/consents?" + query)
                page(body)
                return try BrokerClient.decode(body, as: ConsentPage.self)
            }
        }
    }

    public func consent(_ id: String) async throws(CitizenError) -> (view: ConsentView, body: [UInt8]) {
        try await citizen {
            let body = try await client.send("GET", "/v1/me/consents/\(id)")
            return (try BrokerClient.decode(body, as: ConsentView.self), body)
        }
    }

    /// Sends the citizen's answer, and checks the receipt it carries: the log holds this decision
    /// about this consent and this citizen. A 409 (the consent is not in a state that allows it) is
    /// told by what the consent is now and since when, looked up for the purpose.
    public func answer(_ action: CitizenAction, _ id: String) async throws(CitizenError) -> (view: ConsentView, body: [UInt8]) {
        do {
            let body = try await client.send("POST", "/v1/me/consents/\(id)/\(action.rawValue)")
            let view = try BrokerClient.decode(body, as: ConsentView.self)
            do {
                guard let receipt = view.auditReceipt else { throw ReceiptError.otherEntry("the answer carries no receipt") }
                try ReceiptCheck.verify(answer: receipt, type: action.entryType, consent: view.id, person: view.personId)
            } catch {
                throw CitizenError(.receiptRefused, detail: "\(error)")
            }
            return (view, body)
        } catch let error as CitizenError {
            throw error
        } catch let problem as BrokerClient.Problem where problem.status == 409 {
            let detail = "HTTP \(problem)"
            let current = try await consent(id).view
            throw CitizenError.conflict(action, current, detail: detail) ?? CitizenError(.refused, detail: detail)
        } catch {
            throw CitizenError.from(error, credential: credential, now: now())
        }
    }

    public func accessLog(after: UInt64?) async throws(CitizenError) -> (page: AccessLog, body: [UInt8]) {
        try await citizen {
            let body = try await client.send("GET", "/v1/me/access-log" + (after.map { "?after=\($0)" } ?? ""))
            return (try BrokerClient.decode(body, as: AccessLog.self), body)
        }
    }

    private func citizen<T>(_ body: () async throws -> T) async throws(CitizenError) -> T {
        do {
            return try await body()
        } catch {
            throw CitizenError.from(error, credential: credential, now: now())
        }
    }
}
