import Testing

/// A file under Vectors/inclusion/<leaf index>-<tree size>/, named after its mutation.
struct InclusionVector: Decodable, Sendable, CustomTestStringConvertible {
    var desc: String
    var leafIndex: UInt64
    var treeSize: UInt64
    var leafHash: String
    var proof: [String]
    var root: String
    var wantErr: Bool

    static func all() throws -> [InclusionVector] {
        try VectorFiles.all(under: "inclusion", as: InclusionVector.self)
    }

    var testDescription: String { "\(leafIndex)-\(treeSize) \(desc)" }
}
