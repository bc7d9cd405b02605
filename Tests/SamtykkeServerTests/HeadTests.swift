import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// HEAD on every GET route answers what GET would, headers and status alike, without the body
/// (RFC 9110 §9.3.2); refusals too, since a body after a HEAD answer would be read as the next answer.
@Suite(.sameOnEveryBackend) struct HeadTests {
    @Test func headAnswersLikeGetWithoutTheBody() async throws {
        let harness = try await RouterHarness.make()
        try await harness.test { client in
            // One entry on the log, so there is a checkpoint over it and a partial tile to serve.
            let id = try #require(try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: RouterHarness.request()).json["id"] as? String)
            for (path, bearer) in [
                ("/v1/audit/checkpoint", nil), ("/v1/audit/tlog/checkpoint", nil), ("/v1/audit/tlog/tile/0/000.p/1", nil),
                ("/.well-known/jwks.json", nil), ("/healthz", nil), ("/v1/consents/\(id)", harness.bankKey),
            ] {
                let get = try await client.send(.get, path, bearer: bearer)
                let head = try await client.send(.head, path, bearer: bearer)
                #expect(get.status == .ok && head.status == .ok, "\(path): \(head.status)")
                #expect(get.body.readableBytes > 0 && head.body.readableBytes == 0, "\(path)")
                #expect(head.headers[.contentLength] == String(get.body.readableBytes), "\(path)")
                for field in [HTTPField.Name.contentType, .cacheControl] {
                    #expect(head.headers[field] == get.headers[field], "\(path) \(field)")
                }
            }
            // Refused like GET, and still without a body.
            for (path, bearer, status) in [
                ("/v1/consents/\(id)", nil, HTTPResponse.Status.unauthorized), ("/v1/consents/\(id)", harness.otherBankKey, .notFound),
                ("/v1/nothing-here", nil, .notFound), ("/v1/consents?colour=red", harness.bankKey, .badRequest),
                ("/v1/audit/tlog/tile/0/001", nil, .notFound),
            ] {
                let get = try await client.send(.get, path, bearer: bearer)
                let head = try await client.send(.head, path, bearer: bearer)
                #expect(get.status == status && head.status == status, "\(path): GET \(get.status), HEAD \(head.status)")
                #expect(head.body.readableBytes == 0, "\(path)")
                #expect(head.headers[.contentType] == "application/problem+json", "\(path)")
            }
        }
    }

    /// Over a real connection the client reads the HEAD answer and then the next one on the same
    /// connection: no stray body sits between them.
    @Test func aHeadAnswerLeavesTheConnectionReadyForTheNext() async throws {
        let harness = try await RouterHarness.make()
        try await harness.test(.live) { client in
            for _ in 0..<3 {
                let head = try await client.send(.head, "/v1/audit/checkpoint")
                #expect(head.status == .ok && head.body.readableBytes == 0)
                let missing = try await client.send(.head, "/v1/nothing-here")
                #expect(missing.status == .notFound && missing.body.readableBytes == 0)
                let get = try await client.send(.get, "/v1/audit/checkpoint")
                #expect(get.status == .ok && String(buffer: get.body).hasPrefix("test.local/log\n"))
            }
        }
    }
}
