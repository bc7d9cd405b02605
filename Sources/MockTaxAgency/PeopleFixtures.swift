import Foundation
import SamtykkeCore

/// The tax agency's records: the synthetic people of `Fixtures/people.json`, validated on load.
public struct PeopleFixtures: Sendable {
    /// In file order.
    public let people: [FixturePerson]
    private let byID: [PersonID: FixturePerson]

    /// Reads `path`, or `people.json` inside it when it is a directory (`--fixtures Fixtures`, as
    /// SPEC §7 writes it).
    public init(contentsOf path: String) throws(MockTaxAgencyError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            try self.init(contentsOf: (path as NSString).appendingPathComponent("people.json"))
            return
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .fixtures("cannot read \(path): \(error.localizedDescription)")
        }
        do {
            try self.init(json: data)
        } catch {
            guard case .fixtures(let why) = error else { throw error }
            throw .fixtures("\(path): \(why)")
        }
    }

    /// Reads a JSON array of people.
    public init(json: Data) throws(MockTaxAgencyError) {
        let people: [FixturePerson]
        do {
            people = try JSONDecoder().decode([FixturePerson].self, from: json)
        } catch let error as MockTaxAgencyError {
            throw error
        } catch let DecodingError.keyNotFound(key, context) {
            throw .fixtures("\(Self.describe(context.codingPath)): \(key.stringValue) is missing")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
            let DecodingError.dataCorrupted(context)
        {
            throw .fixtures("\(Self.describe(context.codingPath)): \(context.debugDescription)")
        } catch {
            throw .fixtures("not a JSON array of people: \(error)")
        }
        var byID: [PersonID: FixturePerson] = [:]
        for person in people {
            if let earlier = byID[person.personId] {
                throw .fixtures("\(person.name) and \(earlier.name) share the personId \(person.personId)")
            }
            byID[person.personId] = person
        }
        self.people = people
        self.byID = byID
    }

    public func person(_ id: PersonID) -> FixturePerson? { byID[id] }

    /// A coding path as a reader of people.json would write it: `people[3].years.2024.income`.
    static func describe(_ codingPath: [any CodingKey]) -> String {
        codingPath.reduce("people") { path, key in path + (key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)") }
    }
}
