import Foundation

/// The JSON test vectors bundled under Vectors/, one file per case, grouped by directory.
enum VectorFiles {
    struct MissingError: Error, CustomStringConvertible {
        var path: String
        var description: String { "test bundle has no Vectors/\(path)" }
    }

    static func load<T: Decodable>(_ path: String, as type: T.Type) throws -> T {
        guard let url = root?.appending(path: path) else { throw MissingError(path: path) }
        return try JSONDecoder().decode(type, from: Data(contentsOf: url))
    }

    /// Every file under `directory`, sorted by path so test cases keep a stable order.
    static func all<T: Decodable>(under directory: String, as type: T.Type) throws -> [T] {
        guard let base = root?.appending(path: directory),
              let files = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil)
        else { throw MissingError(path: directory) }
        let paths = files.compactMap { ($0 as? URL)?.path }.filter { $0.hasSuffix(".json") }.sorted()
        return try paths.map { try JSONDecoder().decode(type, from: Data(contentsOf: URL(filePath: $0))) }
    }

    private static let root = Bundle.module.url(forResource: "Vectors", withExtension: nil)
}
