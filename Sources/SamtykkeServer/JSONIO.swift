import CanonicalJSON
import Foundation
import Hummingbird
import NIOCore

/// Reading request bodies strictly and writing JSON answers the same way everywhere.
enum JSONIO {
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value)))
        )
    }

    /// The body as a JSON object whose keys are all in `allowed`; a body over `limit` bytes is a 413.
    static func object(_ request: Request, limit: Int, allowed: Set<String>) async throws -> JSONObject {
        var request = request
        let buffer = try await request.collectBody(upTo: limit)
        guard buffer.readableBytes > 0 else { throw Problem.invalid(nil, "the request needs a JSON body") }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView)), case .object(let members) = value else {
            throw Problem.invalid(nil, "the body is not a JSON object")
        }
        return try JSONObject(members, path: "", allowed: allowed)
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

    func integer(_ key: String) throws -> Int {
        try Self.integer(try value(key), field: path + key)
    }

    func array(_ key: String, maxCount: Int) throws -> [(field: String, value: JSONValue)] {
        guard case .array(let items) = try value(key) else { throw Problem.invalid(path + key, "must be an array") }
        guard items.count <= maxCount else { throw Problem.invalid(path + key, "may hold at most \(maxCount) items") }
        return items.enumerated().map { ("\(path)\(key)[\($0.offset)]", $0.element) }
    }

    func object(_ key: String, allowed: Set<String>) throws -> JSONObject {
        guard case .object(let members) = try value(key) else { throw Problem.invalid(path + key, "must be an object") }
        return try JSONObject(members, path: path + key + ".", allowed: allowed)
    }

    static func integer(_ value: JSONValue, field: String) throws -> Int {
        guard case .number(let n) = value, let i = Int(exactly: n) else { throw Problem.invalid(field, "must be an integer") }
        return i
    }
}
