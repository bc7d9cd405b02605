import ChildProcess
import Foundation
import SamtykkeCore
import SamtykkeServer
import TestSupport
import Testing

/// `openapi.json` tells the truth: it is a valid OpenAPI 3.1 document, every error it declares is a
/// problem document, and clients generated from it work (Python's reference validators). That it
/// names exactly the router's routes is `OpenAPIRouteTests`, and that real answers match their
/// schemas `OpenAPIAnswerTests`, both on the router.
@Suite(.heavy) struct OpenAPIDocumentTests {
    static let committed = Package.root.appendingPathComponent("Sources/SamtykkeServer/openapi.json")

    static func document() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: committed)) as? [String: Any])
    }

    /// `"METHOD /path"` for every operation of the document, the path as the router writes it
    /// (`x-route` where a client's path parameters cannot be the router's pattern: tiles).
    static func operations(_ document: [String: Any]) throws -> [String: [String: Any]] {
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var operations: [String: [String: Any]] = [:]
        for (path, methods) in paths {
            for (method, operation) in methods {
                let operation = try #require(operation as? [String: Any])
                operations["\(method.uppercased()) \(operation["x-route"] as? String ?? path)"] = operation
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

    @Test func everyErrorIsAProblemAndEverySecuredOperationSaysWho() throws {
        let document = try Self.document()
        let components = try #require(document["components"] as? [String: Any])
        let responses = try #require(components["responses"] as? [String: [String: Any]])
        let schemes = Set(try #require(components["securitySchemes"] as? [String: Any]).keys)
        #expect(schemes == ["bankKey", "bankDPoP", "bankOAuth", "idToken", "auditorKey"])
        for (name, operation) in try Self.operations(document) {
            let declared = try #require(operation["responses"] as? [String: Any], "\(name)")
            // The token endpoint's own refusals are RFC 6749's JSON (SPEC §2c), not problem documents.
            // The pages' own refusals are pages for people (SPEC §2b), not problem documents.
            let isPage = (operation["tags"] as? [String]) == ["pages"]
            for (status, response) in declared where Int(status)! >= 400 && !(name == "POST /v1/token" && status == "400") {
                if isPage, let page = response as? [String: Any], page["$ref"] == nil {
                    let content = try #require(page["content"] as? [String: Any], "\(name) \(status)")
                    #expect(content["text/html"] != nil && Set(content.keys).isSubset(of: ["text/html", "application/problem+json"]), "\(name) \(status)")
                    continue
                }
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
    /// schema (whose real answers `OpenAPIAnswerTests` checks on the router; the sender posts the same
    /// view) and the three Standard Webhooks headers.
    @Test func theOutgoingEventPostIsDocumented() throws {
        let webhooks = try #require(try Self.document()["webhooks"] as? [String: Any])
        for (name, schema) in [("consentEvent", "Event"), ("testEvent", "TestEvent")] {
            let post = try #require((webhooks[name] as? [String: Any])?["post"] as? [String: Any])
            let body = try #require(((post["requestBody"] as? [String: Any])?["content"] as? [String: Any])?["application/json"] as? [String: Any])
            #expect((body["schema"] as? [String: Any])?["$ref"] as? String == "#/components/schemas/\(schema)")
            let headers = try #require(post["parameters"] as? [[String: Any]]).filter { $0["in"] as? String == "header" && $0["required"] as? Bool == true }
            #expect(Set(headers.compactMap { $0["name"] as? String }) == ["webhook-id", "webhook-timestamp", "webhook-signature"])
            let responses = Set(try #require(post["responses"] as? [String: Any]).keys)
            #expect(responses.isSuperset(of: ["2XX", "410", "429", "503", "default"]))
        }
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

    /// A client generator gets from the document an example for every request and response (each
    /// valid for its schema; bytes by reference to a path of the operation), `Request-Id` on every
    /// answer and an example for every path parameter; the bodies a bank's endpoint receives
    /// (`webhooks`) have their examples too.
    @Test
    func everyRequestAndResponseHasAnExampleThatMatchesItsSchema() async throws {
        let script = """
        import json, re, sys
        from jsonschema import Draft202012Validator
        document = json.load(open(sys.argv[1]))
        failures = []
        def check(where, media, schema, example, content={}, path=""):
            if media == "application/octet-stream":
                served = re.sub(r"\\{[^}]+\\}", ".+", path)
                references = [e.get("externalValue", "") for e in content.get("examples", {}).values()]
                if not references or not all(re.fullmatch(served, r) for r in references):
                    failures.append(f"{where} {media}: no example by reference to {path}: {references}")
                return
            if example is None:
                failures.append(f"{where} {media}: no example"); return
            validator = Draft202012Validator(dict(schema, components=document["components"]), format_checker=Draft202012Validator.FORMAT_CHECKER)
            failures.extend(f"{where} {media}: {e.json_path}: {e.message}" for e in validator.iter_errors(example))
        def response(r):
            return document["components"]["responses"][r["$ref"].split("/")[-1]] if "$ref" in r else r
        for path, methods in document["paths"].items():
            for method, operation in methods.items():
                where = f"{method.upper()} {path}"
                for parameter in operation.get("parameters", []):
                    if parameter["in"] == "path" and "example" not in parameter: failures.append(f"{where}: path parameter {parameter['name']} has no example")
                for media, content in operation.get("requestBody", {}).get("content", {}).items():
                    check(where + " request", media, content["schema"], content.get("example"))
                for status in ["405", "500"]:
                    if status not in operation["responses"]: failures.append(f"{where}: {status} not declared")
                for status, r in operation["responses"].items():
                    r = response(r)
                    if "Request-Id" not in r.get("headers", {}): failures.append(f"{where} {status}: Request-Id not declared")
                    for media, content in r.get("content", {}).items():
                        check(f"{where} {status}", media, content["schema"], content.get("example"), content, path)
        for name, methods in document.get("webhooks", {}).items():
            for method, operation in methods.items():
                for media, content in operation.get("requestBody", {}).get("content", {}).items():
                    check(f"webhook {name} request", media, content["schema"], content.get("example"))
                for parameter in operation.get("parameters", []):
                    if "example" not in parameter: failures.append(f"webhook {name}: header {parameter['name']} has no example")
                    else: check(f"webhook {name} header {parameter['name']}", "text/plain", parameter["schema"], parameter["example"])
        print("\\n".join(failures) or "every request and response has a matching example")
        sys.exit(1 if failures else 0)
        """
        let result = try await Self.runPython(script, input: [])
        #expect(result.status == 0, "\(result.output)")
    }

    /// Generates into `dir`, from the committed document and unedited, a client package
    /// `samtykke_client` (openapi-python-client) and a module `models` (datamodel-code-generator's
    /// pydantic models), failing on any warning of the first.
    static func generateClients(in dir: URL) async throws {
        let script = """
        import os, subprocess, sys
        document, out = sys.argv[1], sys.argv[2]
        with open(os.path.join(out, "config.yaml"), "w") as config:
            config.write("post_hooks: []\\nproject_name_override: samtykke-client\\npackage_name_override: samtykke_client\\n")
        generated = subprocess.run([sys.executable, "-m", "openapi_python_client", "generate", "--path", document, "--config", os.path.join(out, "config.yaml"),
            "--meta", "none", "--output-path", os.path.join(out, "samtykke_client")], capture_output=True, text=True)
        if generated.returncode != 0 or "Warning" in generated.stdout + generated.stderr:
            sys.exit("openapi-python-client: " + generated.stdout + generated.stderr)
        generated = subprocess.run([sys.executable, "-m", "datamodel_code_generator", "--input", document, "--input-file-type", "openapi",
            "--output", os.path.join(out, "models.py"), "--output-model-type", "pydantic_v2.BaseModel", "--formatters", "builtin"], capture_output=True, text=True)
        if generated.returncode != 0:
            sys.exit("datamodel-code-generator: " + generated.stdout + generated.stderr)
        """
        let result = try await TestPython.run(["-c", script, committed.path, dir.path])
        guard result.status == 0 else { throw ChildProcessError("generating the clients failed: \(result.stdout + result.stderr)") }
    }

    /// The clients generated once per test process, for every test that uses them: generating was
    /// most of this suite's time, and the document does not change during a run.
    static let generated = Task { () async throws -> URL in
        let dir = TestPKI.scratchDirectory("generated-clients")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try await generateClients(in: dir)
        return dir
    }

    /// Clients generated from the document by two generators, unedited, build and import without a
    /// warning, and take an event type, a status and a problem type the document does not list yet
    /// (SPEC §2a: types may grow), instead of failing as a closed enum makes them.
    @Test
    func clientsOfTwoGeneratorsBuildAndTolerateNewValues() async throws {
        let dir = try await Self.generated.value
        let script = """
        import importlib, pkgutil, sys
        sys.path.insert(0, sys.argv[1])
        import samtykke_client
        for module in pkgutil.walk_packages(samtykke_client.__path__, "samtykke_client."):
            importlib.import_module(module.name)
        import models
        from samtykke_client.models import Event, Problem
        event = {"id": "evt_9", "type": "consent.amended", "timestamp": "2026-12-06T07:59:27.569Z",
                 "data": {"consentId": "01938f4e-7d2a-7c3b-9a1e-2f4b6c8d0e1f", "status": "paused", "logIndex": 9}}
        problem = {"type": "/problems/something-new", "title": "New", "status": 400}
        assert Event.from_dict(event).type_ == "consent.amended"
        assert Problem.from_dict(problem).type_ == "/problems/something-new"
        assert models.Event.model_validate(event).type == "consent.amended"
        models.Problem.model_validate(problem)
        for name in ["BundleClaims", "BundleYear", "AuditReceipt", "ConsentRequest"]:
            assert hasattr(models, name), name
        print("both clients build")
        """
        let result = try await TestPython.run(["-W", "error", "-c", script, dir.path])
        #expect(result.status == 0, "\(result.stdout + result.stderr)")
    }

    /// A bank's whole flow driven by the generated client, unedited: create (with an
    /// `Idempotency-Key`, replayed), the citizen's grant with the CLI, a bundle whose claims the
    /// generated `BundleClaims` reads, the list a page at a time, withdrawal, and the events; a
    /// webhook filtered to three event types, its delivery log and one redelivery, a test event
    /// read back in that log, and a secret rotation.
    @Test
    func aBanksWholeFlowRunsOnTheGeneratedClient() async throws {
        let dir = try await Self.generated.value
        try await AuthorizationParties.run { parties in
            let script = """
            import base64, json, subprocess, sys
            out, server, key, binary, idToken, person, until, webhookURL = sys.argv[1:9]
            sys.path.insert(0, out)
            from samtykke_client import AuthenticatedClient
            from samtykke_client.api.bank import create_consent, get_consent, issue_bundle, list_consents, list_events, withdraw_consent
            from samtykke_client.api.bank import create_webhook, list_webhook_deliveries, redeliver_webhook_delivery, update_webhook
            from samtykke_client.api.bank import rotate_webhook_secret, send_webhook_test_event
            from samtykke_client.models import BundleClaims, Consent, ConsentPage, ConsentRequest, DeliveryPage, EventList, IssuedBundle
            from samtykke_client.models import WebhookRequest, WebhookUpdate
            bank = AuthenticatedClient(base_url=server, token=key)
            webhook = create_webhook.sync(client=bank, body=WebhookRequest.from_dict({"url": webhookURL})).id
            kept = ["consent.granted", "bundle.issued", "consent.withdrawn"]
            assert sorted(update_webhook.sync(webhook, client=bank, body=WebhookUpdate.from_dict({"eventTypes": kept})).event_types) == sorted(kept)
            def request(reference):
                return ConsentRequest.from_dict({"personId": person, "scopes": ["income", "debt"], "years": [2023, 2024],
                    "purpose": {"code": "loan-application", "text": "Refinancing"}, "validUntil": until, "maxUses": 2, "externalReference": reference})
            created = create_consent.sync_detailed(client=bank, body=request("loan-1"), idempotency_key="flow-1")
            assert created.status_code == 201 and isinstance(created.parsed, Consent), created.content
            replayed = create_consent.sync_detailed(client=bank, body=request("loan-1"), idempotency_key="flow-1")
            assert replayed.status_code == 201 and replayed.parsed.id == created.parsed.id, replayed.content
            assert replayed.headers.get("Idempotent-Replayed") == "true"
            consent = created.parsed.id
            second = create_consent.sync(client=bank, body=request("loan-2"), idempotency_key="flow-2")
            granted = subprocess.run([binary, "consent", "grant", str(consent), "--yes", "--server", server],
                env={"SAMTYKKE_ID_TOKEN": idToken, "LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
            assert granted.returncode == 0, granted.stderr
            assert str(get_consent.sync(consent, client=bank).status) == "active"
            issued = issue_bundle.sync_detailed(consent, client=bank, idempotency_key="bundle-1")
            assert issued.status_code == 201 and isinstance(issued.parsed, IssuedBundle), issued.content
            payload = issued.parsed.bundle.split(".")[1]
            claims = BundleClaims.from_dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))
            assert str(claims.consent.id) == str(consent) and claims.data["2024"].income.wages >= 0, claims
            assert issued.parsed.audit_receipt.tree_size > issued.parsed.audit_receipt.index
            seen, after = [], None
            while True:
                page = list_consents.sync(client=bank, limit=1, **({"after": after} if after else {}))
                assert isinstance(page, ConsentPage), page
                seen += [c.id for c in page.consents]
                if not page.next_: break
                after = page.next_
            assert sorted(map(str, seen)) == sorted([str(consent), str(second.id)]), seen
            filtered = list_consents.sync(client=bank, external_reference="loan-2")
            assert [c.id for c in filtered.consents] == [second.id], filtered
            withdrawn = withdraw_consent.sync(consent, client=bank)
            assert str(withdrawn.status) == "withdrawn", withdrawn
            events = list_events.sync(client=bank, limit=100)
            assert isinstance(events, EventList), events
            mine = [e.type_ for e in events.events if str(e.data.consent_id) == str(consent)]
            assert mine == ["consent.requested", "consent.granted", "bundle.issued", "consent.withdrawn"], mine
            deliveries = list_webhook_deliveries.sync(webhook, client=bank, limit=100)
            assert isinstance(deliveries, DeliveryPage), deliveries
            assert [str(d.event_type) for d in deliveries.deliveries] == ["consent.withdrawn", "bundle.issued", "consent.granted"], deliveries
            redelivered = redeliver_webhook_delivery.sync_detailed(webhook, deliveries.deliveries[0].id, client=bank)
            assert redelivered.status_code == 202, redelivered.content
            tested = send_webhook_test_event.sync_detailed(webhook, client=bank)
            assert tested.status_code == 202 and tested.parsed.event_id.startswith("evt_test_"), tested.content
            newest = list_webhook_deliveries.sync(webhook, client=bank, limit=1).deliveries[0]
            assert (newest.id, str(newest.event_type)) == (tested.parsed.event_id, "webhook.test"), newest
            rotated = rotate_webhook_secret.sync(webhook, client=bank)
            assert rotated.secret.startswith("whsec_") and rotated.previous_secret_expires_at, rotated
            print("the flow ran")
            """
            let result = try await TestPython.run([
                "-c", script, dir.path, parties.stack.brokerURL, parties.bankA, Package.binary.path, parties.citizenX, parties.personX,
                RFC3339.string(from: parties.clock.now().addingTimeInterval(3 * 86_400)), AuthorizationParties.webhookURL,
            ])
            #expect(result.status == 0, "\(result.stdout + result.stderr)")
        }
    }
}
