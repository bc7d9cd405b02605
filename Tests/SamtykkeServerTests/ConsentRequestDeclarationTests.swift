import CanonicalJSON
import Foundation
import SamtykkeAPI
import SamtykkeCore
import Testing
import TestSupport

/// The consent request is declared once (SamtykkeAPI's `ConsentRequest`, which the broker decodes
/// every request through) and described once (`openapi.json`): the two name the same members, the
/// same required ones, of the same JSON types, and refuse the same unknown ones.
@Suite(.sameOnEveryBackend) struct ConsentRequestDeclarationTests {
    static let document: JSONValue = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/SamtykkeServer/openapi.json")
        return (try? Data(contentsOf: url)).flatMap { try? JSONDecoder().decode(AnyJSON.self, from: $0).value } ?? .null
    }()

    static let full = ConsentRequest(
        personId: "14830351257", scopes: [.income], years: [2024], purpose: ConsentView.Purpose(code: "loan", text: "A flat"),
        validUntil: "2026-12-01T12:00:00Z", maxUses: 1, externalReference: "ref-1", redirectUrl: "https://bank.example/back"
    )
    static let bare = ConsentRequest(
        personId: "14830351257", scopes: [.income], years: [2024], purpose: ConsentView.Purpose(code: "loan", text: "A flat"),
        validUntil: "2026-12-01T12:00:00Z", maxUses: 1
    )

    @Test func theDeclarationMatchesTheSchema() throws {
        let schema = try Self.schema("ConsentRequest")
        try Self.expectMatch(declared: Self.full, bare: Self.bare, keys: ConsentRequest.CodingKeys.allCases.map(\.stringValue), schema: schema, name: "ConsentRequest")
        let purpose = try Self.resolved(#require(schema.member("properties")?.member("purpose")))
        try Self.expectMatch(
            declared: Self.full.purpose, bare: Self.full.purpose, keys: ConsentView.Purpose.CodingKeys.allCases.map(\.stringValue), schema: purpose, name: "Purpose"
        )
        let scope = try Self.resolved(#require(schema.member("properties")?.member("scopes")?.member("items")))
        #expect(scope.member("enum") == .array(Scope.allCases.map { .string($0.rawValue) }), "Scope")
    }

    /// Members, required members and each member's JSON type, and that unknown members are refused.
    static func expectMatch(declared: some Encodable, bare: some Encodable, keys: [String], schema: JSONValue, name: String) throws {
        guard case .object(let properties)? = schema.member("properties"), case .array(let required)? = schema.member("required") else {
            Issue.record("\(name): the schema has no properties or required list")
            return
        }
        #expect(Set(properties.keys) == Set(keys), "\(name): properties")
        #expect(schema.member("additionalProperties") == .bool(false), "\(name): the broker refuses members it does not declare")
        guard case .object(let encoded) = try encode(declared), case .object(let encodedBare) = try encode(bare) else { return }
        #expect(Set(encoded.keys) == Set(keys), "\(name): an encoding with every member")
        #expect(Set(required.compactMap { if case .string(let key) = $0 { key } else { nil } }) == Set(encodedBare.keys), "\(name): required")
        for (key, value) in encoded {
            let described = try resolved(#require(properties[key]))
            #expect(described.member("type") == .string(jsonType(value)), "\(name).\(key): type")
            if case .array(let items) = value, let first = items.first {
                let item = try resolved(#require(described.member("items")))
                #expect(item.member("type") == .string(jsonType(first)), "\(name).\(key): item type")
            }
        }
    }

    static func encode(_ value: some Encodable) throws -> JSONValue {
        try JSONDecoder().decode(AnyJSON.self, from: JSONEncoder().encode(value)).value
    }

    static func jsonType(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .number(let number): number.rounded() == number ? "integer" : "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    static func schema(_ name: String) throws -> JSONValue {
        try #require(document.member("components")?.member("schemas")?.member(name), "no schema \(name)")
    }

    /// Follows `$ref` to the schema it names.
    static func resolved(_ schema: JSONValue) throws -> JSONValue {
        guard case .string(let reference)? = schema.member("$ref") else { return schema }
        return try resolved(try self.schema(String(reference.split(separator: "/").last!)))
    }
}

/// Any JSON document as a `JSONValue`. `JSONValue`'s own decoding refuses numbers no reader gets back
/// exactly (it decodes what the broker signs), and openapi.json's limits and examples hold some.
private struct AnyJSON: Decodable {
    let value: JSONValue

    init(from decoder: any Decoder) throws {
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            value = .null
        } else if let bool = try? single.decode(Bool.self) {
            value = .bool(bool)
        } else if let number = try? single.decode(Double.self) {
            value = .number(number)
        } else if let string = try? single.decode(String.self) {
            value = .string(string)
        } else if let items = try? single.decode([AnyJSON].self) {
            value = .array(items.map(\.value))
        } else {
            value = .object(try single.decode([String: AnyJSON].self).mapValues(\.value))
        }
    }
}

extension JSONValue {
    fileprivate func member(_ key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members[key]
    }
}
