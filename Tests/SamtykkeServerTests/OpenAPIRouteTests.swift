import Foundation
import SamtykkeCore
import SamtykkeServer
import TestSupport
import Testing

/// What `openapi.json` says of the router, checked on the router itself: exactly its routes, served as
/// committed; every problem type listed and resolving to a page; tiles under their percent-encoded
/// index as generated clients send them. (That real answers match the schemas, and that generated
/// clients work, is IntegrationTests' `OpenAPIDocumentTests`.)
@Suite(.sameOnEveryBackend) struct OpenAPIRouteTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let committed = root.appendingPathComponent("Sources/SamtykkeServer/openapi.json")

    static func document() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: committed)) as? [String: Any])
    }

    /// `"METHOD /path"` for every operation of the document, the path as the router writes it
    /// (`x-route` where a client's path parameters cannot be the router's pattern: tiles).
    static func operations(_ document: [String: Any]) throws -> Set<String> {
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var operations: Set<String> = []
        for (path, methods) in paths {
            for (method, operation) in methods {
                let operation = try #require(operation as? [String: Any])
                operations.insert("\(method.uppercased()) \(operation["x-route"] as? String ?? path)")
            }
        }
        return operations
    }

    @Test func itDescribesExactlyTheRoutesOfTheRouterAndIsServedAsCommitted() async throws {
        try await AuthorizationParties.run { parties in
            let routes = Set(buildRouter(broker: try await parties.harness.build().broker).routes.map(\.description))
            let documented = try Self.operations(try Self.document())
            #expect(documented == routes, "undocumented: \(routes.subtracting(documented).sorted()); no such route: \(documented.subtracting(routes).sorted())")

            let served = try await parties.caller(nil).send("GET", "/openapi.json")
            #expect(served.status == 200 && served.header("Content-Type") == "application/json")
            #expect(served.body == Array(try Data(contentsOf: Self.committed)))
        }
    }

    /// Every problem `type` the code sends is listed in the document and resolves to a page the
    /// broker serves; an unknown name is a 404 whose own type resolves.
    @Test
    func everyProblemTypeIsListedAndResolvesToAPage() async throws {
        let schemas = try #require((try Self.document()["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let listed = try #require((schemas["ProblemType"] as? [String: Any])?["enum"] as? [String])
        let sources = Self.root.appendingPathComponent("Sources/SamtykkeServer")
        let pattern = try Regex(#"Problem\(\s*[^,()]+,\s*"([a-z]+(?:-[a-z]+)*)""#)
        var sent: Set<String> = []
        for file in try FileManager.default.contentsOfDirectory(atPath: sources.path) where file.hasSuffix(".swift") {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for match in text.matches(of: pattern) { sent.insert("/problems/" + String(match.output[1].substring!)) }
        }
        #expect(sent.count > 15, "the source scan found only \(sent.sorted())")
        #expect(sent.isSubset(of: Set(listed)), "sent but not listed: \(sent.subtracting(listed).sorted())")
        try await AuthorizationParties.run { parties in
            let anyone = parties.caller(nil)
            for type in listed {
                let page = try await anyone.send("GET", type)
                #expect(page.status == 200 && page.header("Content-Type") == "text/html; charset=utf-8", "\(type)")
                #expect(page.text.contains("<code>\(type)</code>"), "\(type)")
            }
            let unknown = try await anyone.send("GET", "/problems/no-such-problem")
            #expect(unknown.status == 404 && unknown.json["type"] as? String == "/problems/not-found")
        }
    }

    /// A tile's index holds slashes; a generated client sends it as one percent-encoded path
    /// parameter, and gets the same tile.
    @Test
    func aTileIsServedUnderItsPercentEncodedIndex() async throws {
        try await AuthorizationParties.run { parties in
            let bank = parties.caller(parties.bankA)
            #expect(try await bank.send("POST", "/v1/consents", body: consentRequest(for: parties.personX, now: parties.clock.now())).status == 201)
            let anyone = parties.caller(nil)
            let checkpoint = try await anyone.send("GET", "/v1/audit/tlog/checkpoint")
            let size = try #require(Int(checkpoint.text.split(separator: "\n")[1]))
            try #require(size > 0 && size < 256)
            let plain = try await anyone.send("GET", "/v1/audit/tlog/tile/0/000.p/\(size)")
            let encoded = try await anyone.send("GET", "/v1/audit/tlog/tile/0/000.p%2F\(size)")
            #expect(plain.status == 200 && plain.body.count == 32 * size)
            #expect(encoded.status == 200 && encoded.body == plain.body)
        }
    }
}
