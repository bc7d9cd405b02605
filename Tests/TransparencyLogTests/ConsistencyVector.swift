import Testing

/// A file under Vectors/consistency/<size1>-<size2>/, named after its mutation.
struct ConsistencyVector: Decodable, Sendable, CustomTestStringConvertible {
    var desc: String
    var size1: UInt64
    var size2: UInt64
    var root1: String
    var root2: String
    var proof: [String]
    var wantErr: Bool

    static func all() throws -> [ConsistencyVector] {
        try VectorFiles.all(under: "consistency", as: ConsistencyVector.self)
    }

    var testDescription: String { "\(size1)-\(size2) \(desc)" }
}
