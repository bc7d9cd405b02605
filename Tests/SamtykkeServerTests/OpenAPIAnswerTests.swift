import Foundation
import TestSupport
import Testing

/// The broker's real answers match what `openapi.json` declares for them, checked by Python's
/// reference JSON Schema validator: on the router over an in-memory store, since what is checked is
/// HTTP behaviour. The document's own validity and examples are `OpenAPIDocumentTests`.
@Suite(.sameOnEveryBackend) struct OpenAPIAnswerTests {
    static let document = TestFiles.packageRoot.appendingPathComponent("Sources/SamtykkeServer/openapi.json")

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
            // An event after the endpoint's registration, so its delivery log has a delivery to show.
            #expect(try await bank.send("POST", "/v1/consents", body: consentRequest(for: parties.personX, now: parties.clock.now())).status == 201)
            let webhookID = try #require(webhook.json["id"] as? String)
            let deliveries = try await record(bank, "GET", "/v1/webhooks/{id}/deliveries", id: webhookID, query: "?limit=10")
            #expect((deliveries.json["deliveries"] as? [Any])?.count == 1, "\(deliveries.text)")
            _ = try await record(bank, "GET", "/v1/webhooks/{id}/deliveries", id: webhookID, query: "?after=7")
            _ = try await record(parties.caller(parties.bankB), "GET", "/v1/webhooks/{id}/deliveries", id: webhookID)
            let test = try await record(bank, "POST", "/v1/webhooks/{id}/test", id: webhookID)
            _ = try await record(bank, "GET", "/v1/webhooks/{id}/deliveries", id: webhookID, query: "?after=\(try #require(test.json["eventId"] as? String))")
            _ = try await record(parties.caller(parties.bankB), "POST", "/v1/webhooks/{id}/test", id: webhookID)
            _ = try await record(bank, "POST", "/v1/webhooks/{id}/secret", id: webhookID)
            _ = try await record(parties.caller(parties.bankB), "POST", "/v1/webhooks/{id}/secret", id: webhookID)
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
        import base64, json, sys
        from jsonschema import Draft202012Validator
        document = json.load(open(sys.argv[1]))
        failures = []
        bundles = []
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
            if sample["path"].endswith("/bundles") and sample["status"] == "201":
                # The JWS's payload, which the document describes as BundleClaims (SPEC §3).
                payload = body["bundle"].split(".")[1]
                claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
                claimsSchema = {"$ref": "#/components/schemas/BundleClaims", "components": document["components"]}
                validator = Draft202012Validator(claimsSchema, format_checker=Draft202012Validator.FORMAT_CHECKER)
                failures += [f"{where} bundle claims: {error.json_path}: {error.message}" for error in validator.iter_errors(claims)]
                bundles.append(where)
        if not bundles: failures.append("no bundle was issued to check its claims")
        print("\\n".join(failures) or "all samples match")
        sys.exit(1 if failures else 0)
        """
        let result = try await TestPython.run(["-c", script, Self.document.path], input: Array(try JSONSerialization.data(withJSONObject: samples)))
        #expect(result.status == 0, "\(result.stdout + result.stderr)")
    }
}
