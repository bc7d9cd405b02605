import CanonicalJSON

/// Decodes a request body through its one declaration in SamtykkeAPI, refusing the first thing wrong
/// with a 400 that names the field (`purpose.code`, `years[1]`) in the words the API has always used.
/// `JSONDecoder`'s errors name neither the field nor the rule the way a bank needs to read them.
///
/// An object whose `CodingKeys` are `CaseIterable` refuses members it does not declare; a string enum
/// that is `CaseIterable` names the values it takes.
struct JSONBodyDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try JSONBodyDecoder(value: value, codingPath: []).decodeValue(type)
    }

    /// `purpose.code`, `scopes[1]`: how problem documents name a field.
    static func field(_ path: [any CodingKey]) -> String {
        path.reduce(into: "") { text, key in
            if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
        }
    }

    func refuse(_ detail: String) -> Problem {
        Problem.invalid(Self.field(codingPath), detail)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw refuse("must be an object") }
        return KeyedDecodingContainer(try Keyed<Key>(members: members, decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw refuse("must be an array") }
        return Unkeyed(items: items, decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(decoder: self) }

    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if let choice = T.self as? any (CaseIterable & RawRepresentable<String>).Type {
            guard case .string(let text) = value, let chosen = Self.choose(choice, text) else {
                throw refuse("must be one of \(Self.choices(choice).joined(separator: ", "))")
            }
            return chosen as! T
        }
        switch T.self {
        case is String.Type:
            guard case .string(let text) = value else { throw refuse("must be a string") }
            return text as! T
        case is Int.Type:
            guard case .number(let number) = value, let integer = Int(exactly: number) else { throw refuse("must be an integer") }
            return integer as! T
        case is Bool.Type:
            guard case .bool(let bool) = value else { throw refuse("must be true or false") }
            return bool as! T
        default:
            return try T(from: self)
        }
    }

    private static func choose<Choice: CaseIterable & RawRepresentable<String>>(_: Choice.Type, _ text: String) -> Choice? { Choice(rawValue: text) }

    private static func choices<Choice: CaseIterable & RawRepresentable<String>>(_: Choice.Type) -> [String] { Choice.allCases.map(\.rawValue) }

    private static func names<Key: CodingKey & CaseIterable>(_: Key.Type) -> [String] { Key.allCases.map(\.stringValue) }

    private struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let members: [String: JSONValue]
        let decoder: JSONBodyDecoder
        var codingPath: [any CodingKey] { decoder.codingPath }
        var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }

        init(members: [String: JSONValue], decoder: JSONBodyDecoder) throws {
            if let declared = Key.self as? any (CodingKey & CaseIterable).Type {
                let allowed = JSONBodyDecoder.names(declared)
                if let unknown = members.keys.filter({ !allowed.contains($0) }).sorted().first {
                    throw JSONBodyDecoder(value: .null, codingPath: decoder.codingPath + [Name(unknown)])
                        .refuse("unknown field; allowed: \(allowed.sorted().joined(separator: ", "))")
                }
            }
            self.members = members
            self.decoder = decoder
        }

        func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

        func decodeNil(forKey key: Key) throws -> Bool { (members[key.stringValue] ?? .null) == .null }

        /// A member absent or null is missing; an item of an array that is null is of the wrong type.
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            let member = JSONBodyDecoder(value: members[key.stringValue] ?? .null, codingPath: codingPath + [key])
            guard member.value != .null else { throw member.refuse("is required") }
            return try member.decodeValue(type)
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try JSONBodyDecoder(value: members[key.stringValue] ?? .null, codingPath: codingPath + [key]).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try JSONBodyDecoder(value: members[key.stringValue] ?? .null, codingPath: codingPath + [key]).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder { decoder }

        func superDecoder(forKey key: Key) throws -> any Decoder {
            JSONBodyDecoder(value: members[key.stringValue] ?? .null, codingPath: codingPath + [key])
        }
    }

    private struct Unkeyed: UnkeyedDecodingContainer {
        let items: [JSONValue]
        let decoder: JSONBodyDecoder
        var currentIndex = 0
        var codingPath: [any CodingKey] { decoder.codingPath }
        var count: Int? { items.count }
        var isAtEnd: Bool { currentIndex >= items.count }

        init(items: [JSONValue], decoder: JSONBodyDecoder) {
            self.items = items
            self.decoder = decoder
        }

        private mutating func next() -> JSONBodyDecoder {
            defer { currentIndex += 1 }
            return JSONBodyDecoder(value: isAtEnd ? .null : items[currentIndex], codingPath: codingPath + [Name(index: currentIndex)])
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, items[currentIndex] == .null else { return false }
            currentIndex += 1
            return true
        }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decodeValue(type) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            try next().container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }

        mutating func superDecoder() throws -> any Decoder { next() }
    }

    private struct Single: SingleValueDecodingContainer {
        let decoder: JSONBodyDecoder
        var codingPath: [any CodingKey] { decoder.codingPath }

        func decodeNil() -> Bool { decoder.value == .null }

        func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeValue(type) }
    }

    private struct Name: CodingKey {
        let stringValue: String
        let intValue: Int?

        init(_ name: String) { (stringValue, intValue) = (name, nil) }
        init(index: Int) { (stringValue, intValue) = ("\(index)", index) }
        init?(stringValue: String) { self.init(stringValue) }
        init?(intValue: Int) { self.init(index: intValue) }
    }
}
