import BrokerClient
import CanonicalJSON
import LogVerification
import SamtykkeCore

/// The citizen's own key and openings (SPEC §4) for `consent log --verify`. A 404 means nothing of
/// the kind is about the citizen; anything else the broker refuses is thrown as it came.
extension CitizenBroker: CitizenOpeningSource {
    struct SubjectKeyAnswer: Decodable {
        let subjectKey: String
    }

    struct OpeningsAnswer: Decodable {
        let openings: [JSONValue]
    }

    public func subjectKey() async throws -> String? {
        do {
            return try await client.get("/v1/me/subject-key", as: SubjectKeyAnswer.self).subjectKey
        } catch let problem as BrokerClient.Problem where problem.status == 404 {
            return nil
        }
    }

    public func openings(indexes: [UInt64]) async throws -> [JSONValue] {
        try BrokerClient.decode(try await openingsBody(indexes: indexes), as: OpeningsAnswer.self).openings
    }

    /// The broker's canonical page read in one pass; anything else as JSON, for the verifier to judge.
    public func servedOpenings(indexes: [UInt64]) async throws -> [ServedOpening] {
        let body = try await openingsBody(indexes: indexes)
        if let page = OpeningsPage.scanned(body) { return page.items.map { ServedOpening($0.opening, subjectKey: nil) } }
        return try BrokerClient.decode(body, as: OpeningsAnswer.self).openings.compactMap(ServedOpening.init(statingIndex:))
    }

    /// `GET /v1/me/openings` for `indexes`; a 404 (none of them is the citizen's) as an empty page.
    private func openingsBody(indexes: [UInt64]) async throws -> [UInt8] {
        guard !indexes.isEmpty else { return Array(#"{"openings":[]}"#.utf8) }
        do {
            return try await client.send("GET", "/v1/me/openings?indexes=\(indexes.map(String.init).joined(separator: ","))")
        } catch let problem as BrokerClient.Problem where problem.status == 404 {
            return Array(#"{"openings":[]}"#.utf8)
        }
    }
}
