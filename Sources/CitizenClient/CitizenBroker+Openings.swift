import BrokerClient
import CanonicalJSON
import LogVerification

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
        guard !indexes.isEmpty else { return [] }
        do {
            return try await client.get("/v1/me/openings?indexes=\(indexes.map(String.init).joined(separator: ","))", as: OpeningsAnswer.self).openings
        } catch let problem as BrokerClient.Problem where problem.status == 404 {
            return []
        }
    }
}
