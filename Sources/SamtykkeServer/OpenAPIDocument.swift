import Foundation

/// The API's OpenAPI 3.1 description, `openapi.json`, shipped as a resource of this target.
///
/// It is served at `/openapi.json`, and it is also the rule for the shape of requests: an operation
/// takes a body only if the document declares one, and only the query parameters the document names
/// (`RequestShapeMiddleware`). So the document cannot promise less than the server accepts.
struct OpenAPIDocument: Sendable {
    struct Operation: Sendable, Hashable {
        let takesBody: Bool
        let queryParameters: Set<String>
        /// The security schemes that may authenticate a call (`bankKey`, `idToken`, `auditorKey`);
        /// empty for a public operation.
        let security: Set<String>
    }

    let bytes: [UInt8]
    /// Keyed by `"METHOD /path"`, the path written as Hummingbird writes routes (`/v1/consents/{id}`).
    let operations: [String: Operation]

    /// The shipped document, read once. It is built into the target, so a failure here is a broken
    /// build and stops the broker at start-up rather than at the first request for it.
    static let shipped: OpenAPIDocument = {
        do {
            guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json") else {
                throw CocoaError(.fileNoSuchFile)
            }
            return try OpenAPIDocument(bytes: Array(Data(contentsOf: url)))
        } catch {
            fatalError("the openapi.json resource of SamtykkeServer cannot be read: \(error)")
        }
    }()

    init(bytes: [UInt8]) throws {
        struct Document: Decodable {
            struct Parameter: Decodable {
                let name: String
                let `in`: String
            }
            struct Operation: Decodable {
                let parameters: [Parameter]?
                let requestBody: AnyBody?
                let security: [[String: [String]]]?
                /// The router's pattern where the document's path cannot be it: a tile index is
                /// one parameter to a client but several path elements to C2SP (`**`).
                let route: String?

                enum CodingKeys: String, CodingKey {
                    case parameters, requestBody, security
                    case route = "x-route"
                }
            }
            /// Only whether `requestBody` is there matters.
            struct AnyBody: Decodable {}
            let paths: [String: [String: Operation]]
        }
        let document = try JSONDecoder().decode(Document.self, from: Data(bytes))
        var operations: [String: Operation] = [:]
        for (path, methods) in document.paths {
            for (method, operation) in methods {
                let query = (operation.parameters ?? []).filter { $0.in == "query" }.map(\.name)
                operations["\(method.uppercased()) \(operation.route ?? path)"] = Operation(
                    takesBody: operation.requestBody != nil, queryParameters: Set(query),
                    security: Set((operation.security ?? []).flatMap(\.keys))
                )
            }
        }
        self.bytes = bytes
        self.operations = operations
    }

    /// The operations (with their path templates) the document has for a concrete request path, matching `{parameter}` segments
    /// to anything and a final `**` to one or more segments, by method: a 405 lists the methods in
    /// `Allow`.
    func operations(forPath path: String) -> [(method: String, path: String, operation: Operation)] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        return operations.compactMap { key, operation -> (method: String, path: String, operation: Operation)? in
            let parts = key.split(separator: " ", maxSplits: 1)
            var template = parts[1].split(separator: "/", omittingEmptySubsequences: false)
            var compared = segments
            if template.last == "**", segments.count >= template.count {
                template.removeLast()
                compared = Array(segments.prefix(template.count))
            }
            let matches = template.count == compared.count && zip(template, compared).allSatisfy { expected, actual in
                expected == actual || (expected.hasPrefix("{") && !actual.isEmpty)
            }
            return matches ? (String(parts[0]), String(parts[1]), operation) : nil
        }.sorted { ($0.method, $0.path) < ($1.method, $1.path) }
    }
}
