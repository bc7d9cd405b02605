import Crypto
import TransparencyLog

/// A log held in memory and signed with a throwaway key, as the broker's would be.
struct TestLog: Sendable {
    let signer: NoteSigner
    /// Entries carry it, so two logs with different tags and the same key are forks of each other.
    let tag: String
    private(set) var store = InMemorySubtreeStore()

    init(origin: String = "samtykke.test/log", signer: NoteSigner? = nil, tag: String = "main", size: Int = 0) throws {
        self.signer = try signer ?? NoteSigner(name: origin, privateKey: Curve25519.Signing.PrivateKey())
        self.tag = tag
        append(size)
    }

    var origin: String { signer.name }
    var size: UInt64 { store.size }

    mutating func append(_ count: Int) {
        for _ in 0..<count {
            store.append(leafHash: MerkleHasher.leafHash(Array("\(tag) entry \(store.size)".utf8)))
        }
    }

    func checkpoint() throws -> Checkpoint {
        try Checkpoint(origin: origin, size: size, rootHash: MerkleTree.root(size: size, source: store))
    }

    func signedCheckpoint() throws -> String {
        try signer.sign(checkpoint().body)
    }

    func consistencyProof(from: UInt64, to: UInt64) throws -> [Hash] {
        try MerkleTree.consistencyProof(from: from, to: to, source: store)
    }
}
