import CanonicalJSON
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Reading request bodies strictly and writing JSON answers the same way everywhere.
package enum JSONIO {
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        response(json: try bytes(value), status: status)
    }

    /// An answer whose JSON is already written.
    static func response(json: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: json)))
    }

    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!

    /// A 201 naming the new resource's path in `Location` (RFC 9110 §15.3.2). An answer repeated for
    /// a retry with the same `Idempotency-Key` says so with `Idempotent-Replayed: true`; a first
    /// answer carries no such header.
    static func created(json: [UInt8], location: String, replayed: Bool = false) -> Response {
        var response = response(json: json, status: .created)
        response.headers[.location] = location
        if replayed { response.headers[idempotentReplayed] = "true" }
        return response
    }

    /// The JSON every answer uses: sorted keys, so equal values give equal bytes.
    package static func bytes(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    /// Deepest nesting of arrays and objects a body may have. The API's deepest body has 2 levels;
    /// the decoder recurses once per level, so a deep body must be refused before it sees it.
    static let maxDepth = 32

    /// The body as a JSON object whose keys are all in `allowed`; a body over `limit` bytes is a 413,
    /// one not declared as JSON a 415, and one nested deeper than `maxDepth` a 400.
    static func object(_ request: Request, limit: Int, allowed: Set<String>) async throws -> JSONObject {
        try JSONObject(try await members(request, limit: limit), path: "", allowed: allowed)
    }

    /// The body decoded through `T`'s declaration (`JSONBodyDecoder`), after `object`'s checks.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        try JSONBodyDecoder.decode(type, from: .object(try await members(request, limit: limit)))
    }

    private static func members(_ request: Request, limit: Int) async throws -> [String: JSONValue] {
        guard isJSON(request.headers[.contentType]) else {
            throw Problem(.unsupportedMediaType, "unsupported-media-type", "Unsupported media type", detail: "send the body as Content-Type: application/json")
        }
        var request = request
        let buffer = try await request.collectBody(upTo: limit)
        guard buffer.readableBytes > 0 else { throw Problem.invalid(nil, "the request needs a JSON body") }
        try checkStructure(of: buffer.readableBytesView)
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView)), case .object(let members) = value else {
            throw Problem.invalid(nil, "the body is not a JSON object")
        }
        return members
    }

    /// `application/json`, in any case, with or without parameters such as `charset`.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let mediaType = contentType?.split(separator: ";", maxSplits: 1).first else { return false }
        return mediaType.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
    }

    /// Refuses, before the decoder sees the body, nesting deeper than `maxDepth` and a key given
    /// twice in one object (`JSONStructure`), each as a 400 naming where.
    static func checkStructure(of bytes: ByteBufferView) throws {
        do {
            try JSONStructure.check(bytes, maxDepth: maxDepth)
        } catch {
            switch error {
            case .repeatedMember(let path): throw Problem.invalid(path, "is given more than once")
            case .tooDeep(let limit): throw Problem.invalid(nil, "the body is nested deeper than \(limit) levels")
            }
        }
    }
}

/// A JSON object being read field by field, so every refusal names the field (`purpose.code`, `years[1]`).
struct JSONObject {
    let members: [String: JSONValue]
    let path: String

    init(_ members: [String: JSONValue], path: String, allowed: Set<String>) throws {
        if let unknown = members.keys.filter({ !allowed.contains($0) }).sorted().first {
            throw Problem.invalid(path + unknown, "unknown field; allowed: \(allowed.sorted().joined(separator: ", "))")
        }
        self.members = members
        self.path = path
    }

    private func value(_ key: String) throws -> JSONValue {
        guard let value = members[key], value != .null else { throw Problem.invalid(path + key, "is required") }
        return value
    }

    func string(_ key: String) throws -> String {
        guard case .string(let s) = try value(key) else { throw Problem.invalid(path + key, "must be a string") }
        return s
    }

    /// An optional member: absent (or null) is nil, anything but a string is refused.
    func optionalString(_ key: String) throws -> String? {
        guard let value = members[key], value != .null else { return nil }
        guard case .string(let s) = value else { throw Problem.invalid(path + key, "must be a string") }
        return s
    }

    func array(_ key: String, maxCount: Int) throws -> [(field: String, value: JSONValue)] {
        guard case .array(let items) = try value(key) else { throw Problem.invalid(path + key, "must be an array") }
        guard items.count <= maxCount else { throw Problem.invalid(path + key, "may hold at most \(maxCount) items") }
        return items.enumerated().map { ("\(path)\(key)[\($0.offset)]", $0.element) }
    }
}
