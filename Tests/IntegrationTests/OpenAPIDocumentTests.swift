import Foundation
import SamtykkeServer
import TestSupport
import Testing

/// `openapi.json` tells the truth: it names exactly the router's routes, it is a valid OpenAPI 3.1
/// document, every error it declares is a problem document, and real answers of the broker match
/// the schemas it gives for them.
@Suite struct OpenAPIDocumentTests {
    static let committed = Package.root.appendingPathComponent("Sources/SamtykkeServer/openapi.json")

    static func document() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: committed)) as? [String: Any])
    }

    /// `"METHOD /path"` for every operation of the document.
    static func operations(_ document: [String: Any]) throws -> [String: [String: Any]] {
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var operations: [String: [String: Any]] = [:]
        for (path, methods) in paths {
            for (method, operation) in methods {
                operations["\(method.uppercased()) \(path)"] = try #require(operation as? [String: Any])
            }
        }
        return operations
    }

    /// Runs `script` with the document's path as its argument and `input` on stdin, in Python's
    /// reference implementations of OpenAPI and JSON Schema.
    static func runPython(_ script: String, input: [UInt8]) async throws -> (status: Int32, output: String) {
        let result = try await TestPython.run(["-c", script, committed.path], input: input)
        return (result.status, result.stdout + result.stderr)
    }

    @Test func itDescribesExactlyTheRoutesOfTheRouterAndIsServedAsCommitted() async throws {
        try await AuthorizationParties.run { parties in
            let routes = Set(buildRouter(broker: parties.stack.broker.broker).routes.map(\.description))
            let documented = Set(try Self.operations(try Self.document()).keys)
            #expect(documented == routes, "undocumented: \(routes.subtracting(documented).sorted()); no such route: \(documented.subtracting(routes).sorted())")

            let served = try await parties.caller(nil).send("GET", "/openapi.json")
            #expect(served.status == 200 && served.header("Content-Type") == "application/json")
            #expect(served.body == Array(try Data(contentsOf: Self.committed)))
        }
    }

    @Test func everyErrorIsAProblemAndEverySecuredOperationSaysWho() throws {
        let document = try Self.document()
        let components = try #require(document["components"] as? [String: Any])
        let responses = try #require(components["responses"] as? [String: [String: Any]])
        let schemes = Set(try #require(components["securitySchemes"] as? [String: Any]).keys)
        #expect(schemes == ["bankKey", "bankDPoP", "bankOAuth", "idToken", "auditorKey"])
        for (name, operation) in try Self.operations(document) {
            let declared = try #require(operation["responses"] as? [String: Any], "\(name)")
            // The token endpoint's own refusals are RFC 6749's JSON (SPEC §2c), not problem documents.
            for (status, response) in declared where Int(status)! >= 400 && !(name == "POST /v1/token" && status == "400") {
                let reference = try #require((response as? [String: Any])?["$ref"] as? String, "\(name) \(status)")
                let shared = try #require(responses[String(reference.split(separator: "/").last!)], "\(name) \(status)")
                let content = try #require(shared["content"] as? [String: Any])
                #expect(Array(content.keys) == ["application/problem+json"], "\(name) \(status)")
            }
            // Every request is rate limited: per caller once authenticated, per address before.
            #expect(declared["429"] != nil, "\(name) declares no 429")
            let security = try #require(operation["security"] as? [[String: Any]], "\(name)")
            if !security.isEmpty {
                #expect(Set(security.flatMap(\.keys)).isSubset(of: schemes), "\(name)")
                #expect(declared["401"] != nil, "\(name) is secured but declares no 401")
            }
        }
    }

    /// The POST a bank's endpoint receives is documented as OpenAPI 3.1 `webhooks`: the feed's event
    /// schema (whose real answers `realAnswersMatchTheirSchemas` checks; the sender posts the same
    /// view) and the three Standard Webhooks headers.
    @Test func theOutgoingEventPostIsDocumented() throws {
        let webhooks = try #require(try Self.document()["webhooks"] as? [String: Any])
        let post = try #require((webhooks["consentEvent"] as? [String: Any])?["post"] as? [String: Any])
        let body = try #require(((post["requestBody"] as? [String: Any])?["content"] as? [String: Any])?["application/json"] as? [String: Any])
        #expect((body["schema"] as? [String: Any])?["$ref"] as? String == "#/components/schemas/Event")
        let headers = try #require(post["parameters"] as? [[String: Any]]).filter { $0["in"] as? String == "header" && $0["required"] as? Bool == true }
        #expect(Set(headers.compactMap { $0["name"] as? String }) == ["webhook-id", "webhook-timestamp", "webhook-signature"])
        let responses = Set(try #require(post["responses"] as? [String: Any]).keys)
        #expect(responses.isSuperset(of: ["2XX", "410", "429", "503", "default"]))
    }

    @Test
    func itIsAValidOpenAPI31Document() async throws {
        let script = """
        import json, sys
        from openapi_spec_validator import validate
        document = json.load(open(sys.argv[1]))
        assert document["openapi"].startswith("3.1"), document["openapi"]
        validate(document)
        print("valid")
        """
        let result = try await Self.runPython(script, input: [])
        #expect(result.status == 0, "\(result.output)")
    }

    /// Real answers for every route, errors included, checked by Python's `jsonschema` against the
    /// document: status declared, media type declared, body valid for the declared schema.
    @Test
    func realAnswersMatchTheirSchemas() async throws {
        let samples = try await AuthorizationParties.run { parties -> [[String: String]] in
            var samples: [[String: String]] = []
            func record(_ caller: Caller, _ method: String, _ template: String, id: String = "", query: String = "", body: [String: Any]? = nil) async throws -> Answer {
                let answer = try await caller.send(method, template.replacingOccurrences(of: "{id}", with: id) + query, body: body)
                samples.append([
                    "method": method.lowercased(), "path": template, "status": String(answer.status),
                    "contentType": answer.header("Content-Type") ?? "", "body": answer.text,
                ])
                return answer
            }
            let bank = parties.caller(parties.bankA)
            let citizen = parties.caller(parties.citizenX)
            let auditor = parties.caller(parties.auditor)
            let anyone = parties.caller(nil)

            let created = try await record(bank, "POST", "/v1/consents", body: consentRequest(for: parties.personX, now: parties.clock.now()))
            let id = try #require(created.json["id"] as? String)
            _ = try await record(bank, "GET", "/v1/consents/{id}", id: id)
            _ = try await record(bank, "POST", "/v1/consents/{id}/bundles", id: id)
            _ = try await record(citizen, "GET", "/v1/me/consents")
            _ = try await record(citizen, "GET", "/v1/me/consents/{id}", id: id)
            _ = try await record(citizen, "POST", "/v1/me/consents/{id}/grant", id: id)
            _ = try await record(bank, "POST", "/v1/consents/{id}/bundles", id: id)
            _ = try await record(citizen, "POST", "/v1/me/consents/{id}/revoke", id: id)
            _ = try await record(citizen, "POST", "/v1/me/consents/{id}/deny", id: id)
            _ = try await record(citizen, "GET", "/v1/me/access-log")
            _ = try await record(bank, "GET", "/v1/consents", query: "?limit=1")
            _ = try await record(bank, "GET", "/v1/events", query: "?limit=100")
            _ = try await record(bank, "GET", "/v1/events", query: "?after=evt_x")
            let webhook = try await record(bank, "POST", "/v1/webhooks", body: ["url": AuthorizationParties.webhookURL])
            _ = try await record(bank, "POST", "/v1/webhooks", body: ["url": "http://203.0.113.7/"])
            _ = try await record(bank, "GET", "/v1/webhooks")
            _ = try await record(parties.caller(parties.bankB), "DELETE", "/v1/webhooks/{id}", id: try #require(webhook.json["id"] as? String))
            // A 204 has no body for the schema check: sent, not recorded.
            #expect(try await bank.send("DELETE", "/v1/webhooks/\(try #require(webhook.json["id"] as? String))").status == 204)
            _ = try await record(bank, "DELETE", "/v1/consents/{id}", id: id)
            let other = try await record(bank, "POST", "/v1/consents", body: consentRequest(for: parties.personX, now: parties.clock.now()))
            _ = try await record(bank, "DELETE", "/v1/consents/{id}", id: try #require(other.json["id"] as? String))
            _ = try await record(auditor, "GET", "/v1/audit/entries", query: "?limit=100")
            _ = try await record(auditor, "GET", "/v1/audit/proof/inclusion", query: "?index=1&treeSize=4")
            _ = try await record(auditor, "GET", "/v1/audit/proof/consistency", query: "?from=2&to=4")
            _ = try await record(auditor, "GET", "/v1/audit/proof/consistency", query: "?from=5&to=4")
            _ = try await record(bank, "GET", "/v1/audit/entries")
            _ = try await record(anyone, "GET", "/v1/me/access-log")
            _ = try await record(parties.caller(parties.bankB), "GET", "/v1/consents/{id}", id: id)
            _ = try await record(bank, "POST", "/v1/consents", body: ["personId": "1"])
            _ = try await record(anyone, "POST", "/v1/token", body: ["grant_type": "client_credentials"])
            for path in ["/v1/audit/checkpoint", "/v1/audit/log-key", "/.well-known/jwks.json", "/healthz", "/readyz", "/metrics", "/openapi.json"] {
                _ = try await record(anyone, "GET", path)
            }
            return samples
        }
        #expect(Set(samples.compactMap { $0["status"] }).isSuperset(of: ["200", "201", "400", "401", "403", "404", "409"]))

        let script = """
        import json, sys
        from jsonschema import Draft202012Validator
        document = json.load(open(sys.argv[1]))
        failures = []
        for sample in json.load(sys.stdin):
            where = f"{sample['method'].upper()} {sample['path']} {sample['status']}"
            operation = document["paths"][sample["path"]][sample["method"]]
            response = operation["responses"].get(sample["status"])
            if response is None:
                failures.append(f"{where}: status not declared"); continue
            if "$ref" in response:
                response = document["components"]["responses"][response["$ref"].split("/")[-1]]
            media = sample["contentType"].split(";")[0].strip()
            content = response.get("content", {})
            if media not in content:
                failures.append(f"{where}: {media} not declared ({list(content)})"); continue
            schema = dict(content[media]["schema"], components=document["components"])
            body = json.loads(sample["body"]) if media.endswith("json") else sample["body"]
            validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
            failures += [f"{where}: {error.json_path}: {error.message}" for error in validator.iter_errors(body)]
        print("\\n".join(failures) or "all samples match")
        sys.exit(1 if failures else 0)
        """
        let result = try await Self.runPython(script, input: Array(try JSONSerialization.data(withJSONObject: samples)))
        #expect(result.status == 0, "\(result.output)")
    }
}
