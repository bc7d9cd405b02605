import TransparencyLog

/// Vectors/tree.json: the eight-leaf test tree of RFC 6962 implementations and its published roots.
struct TestTree: Decodable {
    /// Hexadecimal leaf data.
    var leaves: [String]
    /// Hexadecimal roots for sizes 1 through 8.
    var roots: [String]
    var emptyRoot: String

    static func load() throws -> TestTree {
        try VectorFiles.load("tree.json", as: TestTree.self)
    }

    var leafHashes: [Hash] {
        leaves.map { hex in
            let bytes = stride(from: 0, to: hex.count, by: 2).map { offset in
                let start = hex.index(hex.startIndex, offsetBy: offset)
                return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
            }
            return MerkleHasher.leafHash(bytes)
        }
    }

    func root(size: Int) -> Hash {
        Hash(hex: roots[size - 1])!
    }

    var store: InMemorySubtreeStore {
        var store = InMemorySubtreeStore()
        for hash in leafHashes {
            store.append(leafHash: hash)
        }
        return store
    }
}
