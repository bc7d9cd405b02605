import Foundation
import SamtykkeCore
import SamtykkeServer
import TestSupport
import Testing

/// Bad input of every kind gets a 4xx problem document that names the field at fault: bodies field by
/// field, query parameters, bodies where none belong, oversized, deep and mistyped bodies, malformed
/// Authorization headers and oversized headers.
@Suite(.sameOnEveryBackend) struct InputValidationTests {
    /// One change to an otherwise valid consent request, and the field the refusal must name.
    struct BodyCase: Sendable {
        let field: String
        let change: @Sendable (inout [String: Any]) -> Void

        init(_ field: String, _ change: @escaping @Sendable (inout [String: Any]) -> Void) {
            self.field = field
            self.change = change
        }
    }

    static let bodyCases: [BodyCase] = [
        BodyCase("personId") { $0["personId"] = nil },
        BodyCase("personId") { $0["personId"] = 14_830_351_257 },
        BodyCase("personId") { $0["personId"] = "1483035125" },
        BodyCase("personId") { $0["personId"] = "14830351258" },
        BodyCase("personId") { $0["personId"] = NSNull() },
        BodyCase("scopes") { $0["scopes"] = "income" },
        BodyCase("scopes") { $0["scopes"] = [] as [String] },
        BodyCase("scopes") { $0["scopes"] = ["income", "income"] },
        BodyCase("scopes") { $0["scopes"] = ["income", "debt", "wealth", "income"] },
        BodyCase("scopes[1]") { $0["scopes"] = ["income", "salary"] },
        BodyCase("scopes[0]") { $0["scopes"] = [1] },
        BodyCase("years") { $0["years"] = [] as [Int] },
        BodyCase("years") { $0["years"] = [2020, 2020] },
        BodyCase("years") { $0["years"] = [2015, 2016, 2017, 2018, 2019, 2020] },
        BodyCase("years[0]") { $0["years"] = ["2023"] },
        BodyCase("years[0]") { $0["years"] = [2023.5] },
        BodyCase("years[0]") { $0["years"] = [1999] },
        BodyCase("years[1]") { $0["years"] = [2023, 3000] },
        BodyCase("purpose") { $0["purpose"] = "loan" },
        BodyCase("purpose.code") { $0["purpose"] = ["text": "A flat"] },
        BodyCase("purpose.code") { $0["purpose"] = ["code": "Loan Application", "text": "A flat"] },
        BodyCase("purpose.text") { $0["purpose"] = ["code": "loan", "text": "   "] },
        BodyCase("purpose.text") { $0["purpose"] = ["code": "loan", "text": String(repeating: "x", count: 501)] },
        BodyCase("purpose.text") { $0["purpose"] = ["code": "loan", "text": "a\u{0007}b"] },
        BodyCase("purpose.colour") { $0["purpose"] = ["code": "loan", "text": "A flat", "colour": "red"] },
        BodyCase("validUntil") { $0["validUntil"] = nil },
        BodyCase("validUntil") { $0["validUntil"] = "tomorrow" },
        BodyCase("validUntil") { $0["validUntil"] = 1_900_000_000 },
        BodyCase("validUntil") { $0["validUntil"] = "2001-01-01T00:00:00Z" },
        BodyCase("validUntil") { $0["validUntil"] = RFC3339.string(from: Date().addingTimeInterval(11 * 86_400)) },
        BodyCase("maxUses") { $0["maxUses"] = 0 },
        BodyCase("maxUses") { $0["maxUses"] = 101 },
        BodyCase("maxUses") { $0["maxUses"] = 1.5 },
        BodyCase("maxUses") { $0["maxUses"] = "2" },
        BodyCase("maxUses") { $0["maxUses"] = 1e300 },
        BodyCase("bankOrg") { $0["bankOrg"] = "974760673" },
        BodyCase("status") { $0["status"] = "active" },
    ]

    @Test func everyBodyFieldIsNamedWhenWrong() async throws {
        try await AuthorizationParties.run { parties in
            for (number, bodyCase) in Self.bodyCases.enumerated() {
                var body = consentRequest(for: parties.personX, now: parties.clock.now())
                bodyCase.change(&body)
                let answer = try await parties.caller(parties.bankA).send("POST", "/v1/consents", body: body)
                #expect(answer.status == 400, "case \(number): \(answer.text)")
                #expect(answer.header("Content-Type") == "application/problem+json", "case \(number)")
                #expect(answer.json["field"] as? String == bodyCase.field, "case \(number): \(answer.text)")
            }
            // Nothing of it was stored.
            let stored = try await parties.caller(parties.citizenX).send("GET", "/v1/me/consents").json["consents"] as? [Any]
            #expect(stored?.isEmpty == true)
        }
    }

    @Test func bodiesThatAreNotAJSONObjectOfTheRightTypeAndSize() async throws {
        try await AuthorizationParties.run { parties in
            let bank = parties.caller(parties.bankA)
            // With the Content-Type as given (nil: none at all), where `send` always declares JSON.
            func post(_ bytes: [UInt8], contentType: String? = "application/json") async throws -> Answer {
                try await bank.send("POST", "/v1/consents", bytes: bytes, contentType: contentType)
            }
            let valid = Array(try JSONSerialization.data(withJSONObject: consentRequest(for: parties.personX, now: parties.clock.now())))

            #expect(try await post(valid, contentType: "application/json; charset=utf-8").status == 201)
            #expect(try await post(valid, contentType: "APPLICATION/JSON").status == 201)
            for contentType in [nil, "", "text/plain", "application/x-www-form-urlencoded", "application/jsonx"] as [String?] {
                let answer = try await post(valid, contentType: contentType)
                #expect(answer.status == 415, "\(contentType ?? "none"): \(answer.text)")
                #expect(answer.header("Content-Type") == "application/problem+json")
            }
            for text in ["", "{", "[]", "\"x\"", "null", "{\"a\":1}{", "{\"personId\":\"14830351257\",}"] {
                let answer = try await post(Array(text.utf8))
                #expect(answer.status == 400, "\(text): \(answer.text)")
                #expect(answer.header("Content-Type") == "application/problem+json")
            }
            // Too large: 413, before anything is parsed.
            let huge = try await post(Array(repeating: UInt8(ascii: " "), count: 200_000))
            #expect(huge.status == 413 && huge.header("Content-Type") == "application/problem+json")

            // Nesting: 32 levels reach the field check, 33 are refused before decoding, and a body
            // that is nothing but brackets is a 400, not a crash.
            var placeholder = consentRequest(for: parties.personX, now: parties.clock.now())
            placeholder["purpose"] = "PURPOSE"
            let template = String(decoding: try JSONSerialization.data(withJSONObject: placeholder), as: UTF8.self)
            func nested(_ depth: Int) -> [UInt8] {
                Array(template.replacingOccurrences(of: "\"PURPOSE\"", with: String(repeating: "[", count: depth - 1) + String(repeating: "]", count: depth - 1)).utf8)
            }
            let deepest = try await post(nested(32))
            #expect(deepest.status == 400 && deepest.json["field"] as? String == "purpose", "\(deepest.text)")
            let tooDeep = try await post(nested(33))
            #expect(tooDeep.status == 400 && (tooDeep.json["detail"] as? String)?.contains("nested deeper than 32") == true, "\(tooDeep.text)")
            let brackets = try await post(Array(repeating: UInt8(ascii: "["), count: 60_000))
            #expect(brackets.status == 400)
            // A bracket inside a string does not count as nesting.
            var quoted = consentRequest(for: parties.personX, now: parties.clock.now())
            quoted["purpose"] = ["code": "loan", "text": String(repeating: "[{", count: 100) + "\\\""]
            #expect(try await bank.send("POST", "/v1/consents", body: quoted).status == 201)
        }
    }

    /// Decoders disagree on which of two equal keys wins, so a body with one is refused, naming it,
    /// however the second is spelt and however deep it sits.
    @Test func aKeyGivenTwiceIsRefusedNamingIt() async throws {
        try await AuthorizationParties.run { parties in
            let valid = String(decoding: try JSONSerialization.data(withJSONObject: consentRequest(for: parties.personX, now: parties.clock.now()), options: [.sortedKeys]), as: UTF8.self)
            let cases: [(String, String)] = [
                (valid.replacingOccurrences(of: #""maxUses":2"#, with: #""maxUses":2,"maxUses":100"#), "maxUses"),
                (valid.replacingOccurrences(of: #""maxUses":2"#, with: #""maxUses":2,"max\u0055ses":100"#), "maxUses"),
                (valid.replacingOccurrences(of: #""code":"loan-application""#, with: #""code":"loan-application","code":"other""#), "purpose.code"),
                (valid.replacingOccurrences(of: #""personId":"#, with: #""personId":"14830351257","personId":"#), "personId"),
            ]
            let bank = parties.caller(parties.bankA)
            for (body, field) in cases {
                #expect(body != valid)
                let answer = try await bank.send("POST", "/v1/consents", raw: Array(body.utf8))
                #expect(answer.status == 400, "\(body): \(answer.text)")
                #expect(answer.json["field"] as? String == field, "\(body): \(answer.text)")
                #expect((answer.json["detail"] as? String)?.contains("more than once") == true, "\(answer.text)")
            }
            // A key's name as a value is no second key.
            let keyAsValue = valid.replacingOccurrences(of: #""text":"Refinancing a mortgage""#, with: #""text":"maxUses""#)
            #expect(keyAsValue != valid)
            #expect(try await bank.send("POST", "/v1/consents", raw: Array(keyAsValue.utf8)).status == 201)
            let stored = try await parties.caller(parties.citizenX).send("GET", "/v1/me/consents").json["consents"] as? [Any]
            #expect(stored?.count == 1)
        }
    }

    /// A refused ID token is described in the broker's own words: nothing a parser or a key loader
    /// said reaches the caller.
    @Test func refusedIDTokensSayWhyWithoutParserInternals() async throws {
        try await AuthorizationParties.run { parties in
            let header = Base64URL.encode(Array(#"{"alg":"ES256","typ":"JWT","kid":"x"}"#.utf8))
            let tokens = [
                "\(header).\(Base64URL.encode(Array("not json".utf8))).c2ln",
                "\(header).\(Base64URL.encode(Array(#"{"iss":1}"#.utf8))).c2ln",
                "a.b.c",
                String(parties.citizenX.dropLast(4)) + "AAAA",
            ]
            let ours = [
                "the ID token is malformed",
                "the ID token's signature does not verify with the ID provider's keys",
            ]
            for token in tokens {
                let answer = try await parties.caller(token).send("GET", "/v1/me/consents")
                #expect(answer.status == 401, "\(answer.text)")
                #expect(answer.header("WWW-Authenticate") == #"Bearer error="invalid_token""#)
                let detail = try #require(answer.json["detail"] as? String)
                #expect(ours.contains(detail), "\(token.prefix(30)): \(detail)")
            }
        }
    }

    @Test func queryParametersAreCheckedByName() async throws {
        try await AuthorizationParties.run { parties in
            let id = try await parties.pendingConsent()
            let auditor = parties.caller(parties.auditor)
            let cases: [(Caller, String, String)] = [
                (parties.caller(parties.bankA), "/v1/consents/\(id)?verbose=1", "verbose"),
                (parties.caller(parties.citizenX), "/v1/me/consents?status=granted", "status"),
                (parties.caller(parties.citizenX), "/v1/me/consents?limit=0", "limit"),
                (parties.caller(parties.citizenX), "/v1/me/consents?since=1", "since"),
                (auditor, "/v1/audit/entries?limit=0", "limit"),
                (auditor, "/v1/audit/entries?limit=1001", "limit"),
                (auditor, "/v1/audit/entries?limit=ten", "limit"),
                (auditor, "/v1/audit/entries?start=-1", "start"),
                (auditor, "/v1/audit/entries?start=%2B1", "start"),
                (auditor, "/v1/audit/entries?start=9223372036854775808", "start"),
                (auditor, "/v1/audit/entries?start=99999999999999999999999", "start"),
                (auditor, "/v1/audit/entries?limit=1&limit=2", "limit"),
                (auditor, "/v1/audit/entries?consentId=nope", "consentId"),
                (auditor, "/v1/audit/entries?personId=12345678901", "personId"),
                (auditor, "/v1/audit/entries?bankOrg=123456789", "bankOrg"),
                (auditor, "/v1/audit/entries?since=0", "since"),
                (auditor, "/v1/audit/proof/inclusion?treeSize=1", "index"),
                (auditor, "/v1/audit/proof/inclusion?index=0", "treeSize"),
                (auditor, "/v1/audit/proof/inclusion?index=0&treeSize=1000", "treeSize"),
                (auditor, "/v1/audit/proof/inclusion?index=1&treeSize=1", "index"),
                (auditor, "/v1/audit/proof/consistency?to=1", "from"),
                (auditor, "/v1/audit/proof/consistency?from=2&to=1", "from"),
                (auditor, "/v1/audit/proof/consistency?from=1&to=1000", "to"),
                (parties.caller(nil), "/healthz?probe=1", "probe"),
            ]
            for (caller, path, field) in cases {
                let answer = try await caller.send("GET", path)
                #expect(answer.status == 400, "\(path): \(answer.text)")
                #expect(answer.header("Content-Type") == "application/problem+json", "\(path)")
                #expect(answer.json["field"] as? String == field, "\(path): \(answer.text)")
            }
            // The largest index SQLite holds is a valid (empty) page, not an overflow.
            let far = try await auditor.send("GET", "/v1/audit/entries?start=9223372036854775807")
            #expect(far.status == 200 && (far.json["entries"] as? [Any])?.isEmpty == true, "\(far.text)")
        }
    }

    @Test func aBodyWhereNoneBelongsIsRefused() async throws {
        try await AuthorizationParties.run { parties in
            let id = try await parties.pendingConsent()
            let cases: [(Caller, String, String)] = [
                (parties.caller(parties.citizenX), "POST", "/v1/me/consents/\(id)/grant"),
                (parties.caller(parties.bankA), "POST", "/v1/consents/\(id)/bundles"),
                (parties.caller(parties.bankA), "GET", "/v1/consents/\(id)"),
                (parties.caller(nil), "GET", "/healthz"),
            ]
            for (caller, method, path) in cases {
                for body in [["status": "active"], [:]] {
                    let answer = try await caller.send(method, path, body: body)
                    #expect(answer.status == 400, "\(method) \(path) \(body): \(answer.text)")
                    #expect((answer.json["detail"] as? String)?.contains("takes no request body") == true, "\(answer.text)")
                }
            }
            #expect(try await parties.caller(parties.bankA).send("GET", "/v1/consents/\(id)").json["status"] as? String == "pending")
        }
    }

    @Test func malformedAuthorizationHeadersAreProblems() async throws {
        try await AuthorizationParties.run { parties in
            let key = parties.bankA
            // RFC 6750 §3.1: no error code when no Bearer credential was sent, `invalid_token` when
            // one was and is no good, `invalid_request` for a request that is malformed as such.
            let noCredential = "Bearer"
            let invalidToken = #"Bearer error="invalid_token""#
            let refused: [([String], String)] = [
                ([], noCredential),
                (["Basic \(Data("user:pass".utf8).base64EncodedString())"], noCredential),
                (["Bearer"], noCredential),
                (["Bearer "], noCredential),
                (["Token \(key)"], noCredential),
                (["\(key)"], noCredential),
                (["Bearer \(key) extra"], invalidToken),
                (["Bearer \(key)x"], invalidToken),
                (["Bearer \(key)", "Bearer \(key)"], #"Bearer error="invalid_request""#),
                (["Bearer " + String(repeating: "a", count: 9000)], invalidToken),
                (["Bearer sbk_0123456789abcdef.\u{00f8}"], invalidToken),
                (["Bearer \(parties.citizenX)"], invalidToken),
            ]
            for (headers, challenge) in refused {
                let answer = try await parties.caller(nil)
                    .send("GET", "/v1/consents/\(UUID().uuidString.lowercased())", headers: headers.map { Header(name: "Authorization", value: $0) })
                let shown = headers.map { String($0.prefix(40)) }
                #expect(answer.status == 401, "\(shown): \(answer.text)")
                #expect(answer.header("Content-Type") == "application/problem+json", "\(shown)")
                #expect(answer.header("WWW-Authenticate") == challenge, "\(shown)")
            }
            // RFC 6750: the scheme in any case, and any number of spaces before the credential.
            for value in ["bearer \(key)", "BEARER \(key)", "Bearer   \(key)"] {
                let answer = try await parties.caller(nil)
                    .send("GET", "/v1/me/consents", headers: [Header(name: "Authorization", value: value.replacingOccurrences(of: key, with: parties.citizenX))])
                #expect(answer.status == 200, "\(value.prefix(12)): \(answer.text)")
            }
        }
    }

    /// On a socket, written by hand: the limits are the HTTP parser's, and a client library may
    /// give up writing a head the broker already refused.
    @Test func headersOverTheLimitAreCutOffBeforeTheRouter() async throws {
        try await AuthorizationParties.run(.live) { parties in
            let port = try #require(parties.client.port)
            func status(_ headers: [Header]) async throws -> Int? {
                let connection = try await RawConnection.open(port: port)
                let lines = ["GET /healthz HTTP/1.1", "Host: localhost", "Authorization: Bearer \(parties.bankA)"] + headers.map { "\($0.name): \($0.value)" }
                try? await connection.send(lines.joined(separator: "\r\n") + "\r\n\r\n")
                _ = try await connection.receives("\r\n", within: .seconds(10))
                await connection.close()
                return connection.received.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) }
            }
            let big = String(repeating: "a", count: ServerOptions().maxHeaderFieldBytes + 1)
            #expect(try await status([Header(name: "X-Padding", value: big)]) == 400)
            let many = (0...ServerOptions().maxHeaderFields).map { Header(name: "X-Header-\($0)", value: "1") }
            #expect(try await status(many) == 400)
            let third = String(repeating: "a", count: ServerOptions().maxHeaderBytes / 3 + 1)
            let together = (0..<3).map { Header(name: "X-Padding-\($0)", value: third) }
            #expect(try await status(together) == 400)
            let justUnder = String(repeating: "a", count: ServerOptions().maxHeaderFieldBytes - 100)
            #expect(try await status([Header(name: "X-Padding", value: justUnder)]) == 200)
        }
    }

    @Test func unknownRoutesAndMethodsAreProblems() async throws {
        try await AuthorizationParties.run { parties in
            let bank = parties.caller(parties.bankA)
            for (method, path) in [("GET", "/v1/nothing"), ("GET", "/v1/consents/not-a-uuid"), ("POST", "/v1/me/consents/a/b/c")] {
                let answer = try await bank.send(method, path)
                #expect(answer.status == 404, "\(method) \(path)")
                #expect(answer.header("Content-Type") == "application/problem+json", "\(method) \(path)")
            }
            // A path of the API under a method it does not have: 405 and the methods it does have,
            // to a caller the path's routes authenticate (anyone else gets the 401).
            let citizen = parties.caller(parties.citizenX)
            for (caller, method, path, allow) in [
                (bank, "DELETE", "/v1/consents", "GET, POST"), (citizen, "PUT", "/v1/me/consents", "GET"),
                (bank, "PATCH", "/v1/consents/\(UUID())", "DELETE, GET"), (citizen, "GET", "/v1/me/consents/\(UUID())/grant", "POST"),
                (parties.caller(nil), "OPTIONS", "/healthz", "GET"), (parties.caller(nil), "POST", "/openapi.json", "GET"),
            ] {
                let answer = try await caller.send(method, path)
                #expect(answer.status == 405, "\(method) \(path)")
                #expect(answer.header("Allow") == allow, "\(method) \(path)")
                #expect(answer.header("Content-Type") == "application/problem+json", "\(method) \(path)")
                if caller.credential != nil {
                    #expect(try await parties.caller(nil).send(method, path).status == 401, "\(method) \(path)")
                }
            }
        }
    }
}
