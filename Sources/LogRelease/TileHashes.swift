import TransparencyLog

/// A log's perfect-subtree hashes read from its C2SP hash tiles, for proofs about a tree of `size`
/// leaves. A level-`t` tile holds the nodes at tree level 8·t; a subtree between two tile levels is
/// folded from the at most 128 nodes of the tile below it.
///
/// `MerkleTree`'s proofs read a synchronous source, so the tiles are fetched between attempts: an
/// attempt that meets a tile not fetched yet stops with `Missing`, the tile is fetched, and the
/// proof is asked again. A proof needs O(log n) subtrees from a handful of tiles, so a few attempts.
struct TileHashes: SubtreeHashSource {
    struct Missing: Error {
        let level: Int
        let tile: TilePath
    }

    struct Key: Hashable {
        let level: Int
        let index: UInt64
    }

    let size: UInt64
    var tiles: [Key: [Hash]] = [:]

    func perfectSubtreeHash(level: Int, index: UInt64) throws -> Hash {
        let tileLevel = level / 8
        let height = level % 8
        let first = index << height
        let tileIndex = first / UInt64(TilePath.fullWidth)
        guard let hashes = tiles[Key(level: tileLevel, index: tileIndex)] else {
            let nodes = size >> (8 * tileLevel)
            let width = Int(min(UInt64(TilePath.fullWidth), nodes - tileIndex * UInt64(TilePath.fullWidth)))
            // A perfect subtree of a tree of `size` leaves lies wholly in that tree, so its tile has width.
            throw Missing(level: tileLevel, tile: TilePath(index: tileIndex, width: width)!)
        }
        let offset = Int(first % UInt64(TilePath.fullWidth))
        var tree = MerkleTreeBuilder()
        for hash in hashes[offset..<(offset + 1 << height)] { tree.append(subtreeHash: hash, height: 0) }
        return tree.root()
    }

    /// PROOF(from, D[0:size]) from the log's tiles.
    static func consistencyProof(from: UInt64, size: UInt64, fetcher: some TileFetcher) async throws -> [Hash] {
        var source = TileHashes(size: size)
        while true {
            do {
                return try MerkleTree.consistencyProof(from: from, to: size, source: source)
            } catch let missing as Missing {
                let path = "tile/\(missing.level)/\(missing.tile.path)"
                var bytes = try await fetcher.fetch(path)
                // A log may drop a partial tile once the full one is there; its prefix is the same.
                if bytes == nil, missing.tile.isPartial, let full = TilePath(index: missing.tile.index, width: TilePath.fullWidth) {
                    bytes = try await fetcher.fetch("tile/\(missing.level)/\(full.path)").map { Array($0.prefix(missing.tile.width * Hash.byteCount)) }
                }
                guard let bytes, bytes.count == missing.tile.width * Hash.byteCount else {
                    throw LogMonitorError.badTile(path: path)
                }
                source.tiles[Key(level: missing.level, index: missing.tile.index)] = stride(from: 0, to: bytes.count, by: Hash.byteCount).map {
                    Hash(bytes: bytes[$0..<($0 + Hash.byteCount)])!
                }
            }
        }
    }
}
