import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import SamtykkeAPI
import SamtykkeCore
import SamtykkeJOSE
import SamtykkeApp
@testable import SamtykkeServer
import SamtykkeStore
import Testing
import TransparencyLog
import TestSupport

/// Routes, authorization and problem documents through the real router, on an in-memory store.
@Suite(.sameOnEveryBackend) struct RouterTests {
    @Test func aBankAsksTheCitizenGrantsAndTheBankGetsAReceiptedBundle() async throws {
        let harness = try await RouterHarness.make()
        let token = try await harness.citizenToken()
        try await harness.test { client in
            let created = try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: RouterHarness.request())
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let id = try #require(created.json["id"] as? String)
            #expect(created.json["status"] as? String == "pending")

            let early = try await client.send(.post, "/v1/consents/\(id)/bundles", bearer: harness.bankKey)
            #expect(early.status == .conflict && early.headers[.contentType] == "application/problem+json")

            #expect(try await client.send(.post, "/v1/me/consents/\(id)/grant", bearer: token).status == .ok)
            let issued = try await client.send(.post, "/v1/consents/\(id)/bundles", bearer: harness.bankKey)
            #expect(issued.status == .created, "\(String(buffer: issued.body))")
            // Written by hand, yet the bytes the decoded answer encodes to, as every other answer is.
            let served = Array(issued.body.readableBytesView)
            #expect(try served == JSONIO.bytes(JSONDecoder().decode(BundleAnswer.self, from: Data(served))))
            let receipt = try #require(issued.json["auditReceipt"] as? [String: Any])
            let note = try #require(receipt["checkpoint"] as? String)
            let checkpoint = try Checkpoint.open(note, verifier: try NoteVerifier(verifierKey: harness.logVerifierKey))
            let entry = try #require(receipt["entry"] as? String)
            let leaf = try #require(Data(base64Encoded: entry))
            let proof = try #require(receipt["inclusionProof"] as? [String]).compactMap { Hash(base64: $0) }
            try MerkleVerifier.verifyInclusion(
                index: UInt64(try #require(receipt["index"] as? Int)), size: checkpoint.size, leafHash: MerkleHasher.leafHash(Array(leaf)),
                proof: proof, root: checkpoint.rootHash
            )
            let shown = try await client.send(.get, "/v1/consents/\(id)", bearer: harness.bankKey)
            #expect(shown.json["uses"] as? Int == 1)
        }
    }

    @Test func anotherPartyGetsTheSame404AsForNothing() async throws {
        let harness = try await RouterHarness.make()
        let stranger = try await harness.citizenToken(try PersonID("14830351257"))
        try await harness.test { client in
            let created = try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: RouterHarness.request())
            let id = try #require(created.json["id"] as? String)
            let missing = try await client.send(.get, "/v1/consents/\(UUID().uuidString.lowercased())", bearer: harness.bankKey)
            let otherBank = try await client.send(.get, "/v1/consents/\(id)", bearer: harness.otherBankKey)
            let otherCitizen = try await client.send(.get, "/v1/me/consents/\(id)", bearer: stranger)
            #expect(missing.status == .notFound && otherBank.status == .notFound && otherCitizen.status == .notFound)
            #expect(otherBank.json["type"] as? String == missing.json["type"] as? String)
            #expect(try await client.send(.post, "/v1/me/consents/\(id)/grant", bearer: stranger).status == .notFound)
        }
    }

    @Test func noCredentialIsA401ThatSaysHowToAuthenticate() async throws {
        let harness = try await RouterHarness.make()
        try await harness.test { client in
            for (method, path) in [(HTTPRequest.Method.get, "/v1/me/consents"), (.post, "/v1/consents"), (.get, "/v1/audit/entries")] {
                let answer = try await client.send(method, path)
                #expect(answer.status == .unauthorized, "\(method) \(path)")
                #expect(answer.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true, "\(method) \(path)")
                #expect(answer.headers[.contentType] == "application/problem+json")
            }
            let forged = try await client.send(.get, "/v1/consents/x", bearer: "sbk_0123456789abcdef.AAAA")
            #expect(forged.status == .unauthorized && forged.headers[.wwwAuthenticate]?.contains("invalid_token") == true)
        }
    }

    /// Authentication comes before the request's shape is judged: without a good credential every
    /// authenticated group answers 401 however odd the request, and only a caller who authenticated
    /// learns from a 400, 405 or 413 what the route takes.
    @Test func aCallerWithoutAGoodCredentialGetsA401WhateverTheShapeOfItsRequest() async throws {
        let harness = try await RouterHarness.make()
        let citizen = try await harness.citizenToken()
        let auditorKey = try await harness.store.addAuditor(name: "router-tests", now: Date()).text
        let forgedKey = "sbk_0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        let id = UUID().uuidString.lowercased()
        let stray: [UInt8] = Array(#"{"status":"active"}"#.utf8)
        let huge = Array(repeating: UInt8(ascii: " "), count: harness.settings.limits.maxBodyBytes + 1)
        // Each request, the credential that authenticates it, one that does not, and the status it
        // gets once authenticated.
        let cases: [(HTTPRequest.Method, String, [UInt8]?, good: String, bad: String, HTTPResponse.Status)] = [
            (.get, "/v1/consents?verbose=1", nil, harness.bankKey, forgedKey, .badRequest),
            (.get, "/v1/consents/\(id)", stray, harness.bankKey, forgedKey, .badRequest),
            (.put, "/v1/consents", nil, harness.bankKey, forgedKey, .methodNotAllowed),
            (.post, "/v1/consents", huge, harness.bankKey, forgedKey, .contentTooLarge),
            (.get, "/v1/webhooks?all=1", nil, harness.bankKey, citizen, .badRequest),
            (.get, "/v1/me/consents?verbose=1", nil, citizen, harness.bankKey, .badRequest),
            (.post, "/v1/me/consents/\(id)/grant", stray, citizen, harness.bankKey, .badRequest),
            (.get, "/v1/me/consents/\(id)/grant", nil, citizen, harness.bankKey, .methodNotAllowed),
            (.get, "/v1/audit/entries?verbose=1", nil, auditorKey, forgedKey, .badRequest),
            (.delete, "/v1/audit/proof/inclusion", nil, auditorKey, citizen, .methodNotAllowed),
            (.get, "/v1/audit/openings?verbose=1", nil, auditorKey, forgedKey, .badRequest),
            (.get, "/v1/me/subject-key?verbose=1", nil, citizen, harness.bankKey, .badRequest),
        ]
        try await harness.test { client in
            for (method, path, body, good, bad, shaped) in cases {
                let nobody = try await client.send(method, path, body: body)
                #expect(nobody.status == .unauthorized, "\(method) \(path): \(String(buffer: nobody.body))")
                #expect(nobody.headers[.wwwAuthenticate] == "Bearer", "\(method) \(path)")
                #expect(nobody.headers[.allow] == nil, "\(method) \(path)")
                let wrong = try await client.send(method, path, bearer: bad, body: body)
                #expect(wrong.status == .unauthorized, "\(method) \(path): \(String(buffer: wrong.body))")
                #expect(wrong.headers[.wwwAuthenticate] == #"Bearer error="invalid_token""#, "\(method) \(path)")
                let known = try await client.send(method, path, bearer: good, body: body)
                #expect(known.status == shaped, "\(method) \(path): \(String(buffer: known.body))")
            }
            // Public routes keep their shape checks, with or without a credential.
            #expect(try await client.send(.get, "/healthz?probe=1").status == .badRequest)
            let post = try await client.send(.post, "/v1/audit/tlog/tile/0/000")
            #expect(post.status == .methodNotAllowed && post.headers[.allow] == "GET")
            // Entry bundles are public (an auditor key is asked only for one holding a v1 entry).
            #expect(try await client.send(.get, "/v1/audit/tlog/tile/entries/000?verbose=1").status == .badRequest)
            let postBundle = try await client.send(.post, "/v1/audit/tlog/tile/entries/000")
            #expect(postBundle.status == .methodNotAllowed && postBundle.headers[.allow] == "GET")
        }
    }

    @Test func retriesUnderOneKeyGetTheOneConsent() async throws {
        let harness = try await RouterHarness.make()
        try await harness.test { client in
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "loan-1"]
            let body = RouterHarness.request()
            let first = try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: body, headers: key)
            let again = try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: body, headers: key)
            #expect(first.status == .created && again.status == .created)
            #expect(first.json["id"] as? String == again.json["id"] as? String)
            let other = try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: RouterHarness.request(maxUses: 3), headers: key)
            #expect(other.status == .unprocessableContent && other.json["field"] as? String == "Idempotency-Key")
            // Another bank's key of the same name is its own.
            let theirs = try await client.send(.post, "/v1/consents", bearer: harness.otherBankKey, body: body, headers: key)
            #expect(theirs.status == .created && theirs.json["id"] as? String != first.json["id"] as? String)
        }
    }

    @Test func theCitizensLogComesAPageAtATime() async throws {
        let harness = try await RouterHarness.make()
        let token = try await harness.citizenToken()
        try await harness.test { client in
            for _ in 0..<3 { _ = try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: RouterHarness.request()) }
            let first = try await client.send(.get, "/v1/me/access-log?limit=2", bearer: token)
            #expect((first.json["entries"] as? [Any])?.count == 2)
            let next = try #require(first.json["next"] as? Int)
            let last = try await client.send(.get, "/v1/me/access-log?limit=2&after=\(next)", bearer: token)
            #expect((last.json["entries"] as? [[String: Any]])?.map { $0["index"] as? Int } == [2])
            #expect(last.json["next"] is NSNull)
            #expect(try await client.send(.get, "/v1/me/access-log?limit=0", bearer: token).status == .badRequest)
            #expect(try await client.send(.get, "/v1/me/access-log?limit=1001", bearer: token).status == .badRequest)
        }
    }

    /// The citizen's list is paged like the bank's (a history can be long) and names each bank, since a
    /// person knows a bank by its name, not its organisation number.
    @Test func theCitizensConsentsComeAPageAtATimeWithTheirBanksNames() async throws {
        let harness = try await RouterHarness.make()
        let token = try await harness.citizenToken()
        try await harness.test { client in
            var made: [String] = []
            for key in [harness.bankKey, harness.otherBankKey, harness.bankKey] {
                made.append(try #require(try await client.send(.post, "/v1/consents", bearer: key, body: RouterHarness.request()).json["id"] as? String))
            }
            _ = try await client.send(.post, "/v1/me/consents/\(made[1])/deny", bearer: token)
            let first = try await client.send(.get, "/v1/me/consents?limit=2", bearer: token)
            let firstPage = try #require(first.json["consents"] as? [[String: Any]])
            #expect(firstPage.map { $0["id"] as? String } == [made[2], made[1]])
            #expect(firstPage.map { $0["bankName"] as? String } == ["Test Sparebank", "Other Bank"])
            let next = try #require(first.json["next"] as? String)
            let last = try await client.send(.get, "/v1/me/consents?limit=2&after=\(next)", bearer: token)
            #expect((last.json["consents"] as? [[String: Any]])?.map { $0["id"] as? String } == [made[0]])
            #expect(last.json["next"] is NSNull)
            let denied = try await client.send(.get, "/v1/me/consents?status=denied", bearer: token)
            #expect((denied.json["consents"] as? [[String: Any]])?.map { $0["id"] as? String } == [made[1]])
            let oldest = try await client.send(.get, "/v1/me/consents?order=oldest&limit=1", bearer: token)
            #expect((oldest.json["consents"] as? [[String: Any]])?.map { $0["id"] as? String } == [made[0]])
            let shown = try await client.send(.get, "/v1/me/consents/\(made[0])", bearer: token)
            #expect(shown.json["bankName"] as? String == "Test Sparebank")
            // The bank's own view carries no name: it knows its own.
            #expect(try await client.send(.get, "/v1/consents/\(made[0])", bearer: harness.bankKey).json["bankName"] == nil)
        }
    }

    @Test func aFloodOfRefusedBundleRequestsIsSlowedBeforeItFillsTheLog() async throws {
        var made = try await RouterHarness.make()
        // A bucket that does not refill during the test, however slow the machine.
        made.settings.limits.refusalRate = RateLimiter.Rule(perSecond: 0.001, burst: 5)
        let harness = made
        let burst = 5
        try await harness.test { client in
            let id = try #require(try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: RouterHarness.request()).json["id"] as? String)
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<(burst + 5) { statuses.append(try await client.send(.post, "/v1/consents/\(id)/bundles", bearer: harness.bankKey).status) }
            let refused = statuses.filter { $0 == .conflict }.count
            #expect(refused == burst, "\(statuses)")
            #expect(statuses.contains(.tooManyRequests))
            // Every refusal that was answered as one is on the log; the rate-limited ones are not refusals.
            let log = try await harness.store.logEntries(LogQuery(limit: 1000, consentId: try ConsentID(id)))
            #expect(try log.filter { try LogLeaf(leafBytes: $0.leaf).type == .bundleRefused }.count == refused)
        }
    }

    @Test func anUnknownRouteAndABadFieldAreProblemDocumentsNamingWhat() async throws {
        let harness = try await RouterHarness.make()
        try await harness.test { client in
            let unknown = try await client.send(.get, "/v1/nothing-here")
            #expect(unknown.status == .notFound && unknown.headers[.contentType] == "application/problem+json")
            var body = String(decoding: RouterHarness.request(), as: UTF8.self)
            body = body.replacingOccurrences(of: #""maxUses":2"#, with: #""maxUses":0"#)
            let bad = try await client.send(.post, "/v1/consents", bearer: harness.bankKey, body: Array(body.utf8))
            #expect(bad.status == .badRequest && bad.json["field"] as? String == "maxUses", "\(String(buffer: bad.body))")
        }
    }
}

/// Key rotation: a bundle signed before the bundle-signing key changed still verifies after it.
@Suite(.sameOnEveryBackend) struct KeyRotationTests {
    @Test func aBundleSignedBeforeARotationVerifiesAfterIt() async throws {
        let before = try await RouterHarness.make()
        let token = try await before.citizenToken()
        let jws: String = try await before.test { client in
            let id = try #require(try await client.send(.post, "/v1/consents", bearer: before.bankKey, body: RouterHarness.request()).json["id"] as? String)
            _ = try await client.send(.post, "/v1/me/consents/\(id)/grant", bearer: token)
            return try #require(try await client.send(.post, "/v1/consents/\(id)/bundles", bearer: before.bankKey).json["bundle"] as? String)
        }
        var rotated = before
        rotated.settings.given.keys?.bundleSigner = ES256Signer(privateKey: P256.Signing.PrivateKey())
        func verifies(retiring retired: [PublicJWK]) async throws -> Bool {
            rotated.settings.given.keys?.retiredKeys = retired
            let published = try await rotated.test { client in
                let answer = try await client.send(.get, "/.well-known/jwks.json")
                #expect(answer.headers[.cacheControl]?.contains("max-age") == true)
                return String(buffer: answer.body)
            }
            let verifier = try await JWSVerifier(jwksJSON: published, allowedAlgorithms: ["ES256"])
            do {
                _ = try await verifier.verify(jws, as: BundleClaims.self, typ: BundleClaims.typ)
                return true
            } catch {
                // Only "no such key" means the old key is not published; any other refusal is a fault.
                let kid = try JWSVerifier.header(of: jws).kid ?? "?"
                #expect(error == .badSignature("no key with kid \(kid) in the JWKS"))
                return false
            }
        }
        // Without the retired key published the old bundle no longer verifies; with it, it does.
        #expect(try await verifies(retiring: []) == false)
        #expect(try await verifies(retiring: [before.keys.bundleSigner.publicJWK]) == true)
    }
}
