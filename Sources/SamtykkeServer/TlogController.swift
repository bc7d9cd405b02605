import Foundation
import Hummingbird
import NIOCore
import SamtykkeStore
import TransparencyLog

/// The log as C2SP `tlog-tiles` serves it, under `/v1/audit/tlog`: the checkpoint, hash tiles
/// (public: hashes name nobody) and entry bundles (public when they hold only v2 entries, which name
/// nobody; auditors only when they hold a v1 entry, which names people).
///
/// A level-`L` tile holds hashes at tree level `8·L`, each the root of a perfect subtree the store
/// already keeps, so a tile is one range read of them and a bundle one of entries, whatever the
/// size of the log. Only what the newest signed checkpoint covers is served: a tile or a bundle
/// wider than that is a 404, never a guess about hashes nobody signed.
struct TlogController {
    let store: any LogStore
    let checkpoints: CheckpointPublisher
    /// Asked only for a bundle that holds a v1 entry.
    let auditors: APIKeyAuthenticator

    /// A full tile never changes. A partial one is superseded as the log grows (and may go), so
    /// caches hold it only briefly.
    static let fullTileCaching = "public, max-age=31536000, immutable"
    static let partialTileCaching = "public, max-age=10"
    /// A bundle holding a v1 entry answers an auditor's key: a shared cache must not hand it to
    /// anyone else, which `public` would allow for a request that carried `Authorization` (RFC 9111 §3.5).
    static let fullBundleCaching = "private, max-age=31536000, immutable"
    static let partialBundleCaching = "private, max-age=10"

    func addPublicRoutes(to router: Router<AppRequestContext>) {
        router.get("v1/audit/tlog/checkpoint") { _, _ in try await checkpoints.response() }
        router.get("v1/audit/tlog/tile/**", use: tile)
        router.get("v1/audit/tlog/tile/entries/**", use: entries)
    }

    @Sendable func tile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let elements = Self.elements(of: request, after: "/v1/audit/tlog/tile/")
        guard let levelText = elements.first, let level = TilePath.level(levelText), let tile = TilePath(elements: Array(elements.dropFirst()))
        else { throw Problem.notFound("no such tile") }
        let first = try await coveredStart(of: tile, treeLevel: 8 * level)
        let hashes = try await store.subtreeHashes(level: 8 * level, first: first, count: tile.width)
        var body = ByteBuffer()
        body.reserveCapacity(hashes.count * Hash.byteCount)
        for hash in hashes { hash.withUnsafeBytes { _ = body.writeBytes($0) } }
        return Self.binary(body, caching: tile.isPartial ? Self.partialTileCaching : Self.fullTileCaching)
    }

    @Sendable func entries(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let tile = TilePath(elements: Self.elements(of: request, after: "/v1/audit/tlog/tile/entries/")) else { throw Problem.notFound("no such entry bundle") }
        let (first, overflow) = tile.index.multipliedReportingOverflow(by: UInt64(TilePath.fullWidth))
        guard !overflow else { throw Problem.notFound("no such entry bundle") }
        let bundle = try await store.entryBundle(start: first, count: tile.width)
        // A commit writes its entries and the checkpoint over them together, so a tile whose entries
        // are all there is covered: only a short read asks the head (a read less for each of the
        // thousands of bundles an audit fetches) whether it lies beyond the checkpoint or lost rows.
        if bundle.count < tile.width { _ = try await coveredStart(of: tile, treeLevel: 0) }
        guard bundle.count == tile.width else { throw StoreFailure.corrupt("entry \(first + UInt64(bundle.count)) is missing") }
        let body = ByteBuffer(bytes: bundle.bytes)
        guard bundle.holdsOnlyPublicEntries else {
            return try await auditors.handle(request, context: context) { _, _ in
                Self.binary(body, caching: tile.isPartial ? Self.partialBundleCaching : Self.fullBundleCaching)
            }
        }
        return Self.binary(body, caching: tile.isPartial ? Self.partialTileCaching : Self.fullTileCaching)
    }

    /// The index at `treeLevel` of the tile's first hash, if the newest checkpoint covers all of it.
    private func coveredStart(of tile: TilePath, treeLevel: Int) async throws -> UInt64 {
        let size = try await store.logHead().checkpoint?.size ?? 0
        let covered = treeLevel < UInt64.bitWidth ? size >> treeLevel : 0
        let (first, overflow) = tile.index.multipliedReportingOverflow(by: UInt64(TilePath.fullWidth))
        guard !overflow, first < covered, UInt64(tile.width) <= covered - first else {
            throw Problem.notFound("the signed checkpoint (\(size) entries) does not cover this tile")
        }
        return first
    }

    /// The path's elements after the route's prefix, read from the path itself: the router's
    /// catch-all drops empty elements, which would make `0//000` and `0/000/` more names of a tile.
    private static func elements(of request: Request, after prefix: String) -> [Substring] {
        let path = request.uri.path
        guard path.hasPrefix(prefix) else { return [] }
        let rest = path.dropFirst(prefix.count)
        // A generated client sends the tile index, which C2SP writes as several path elements, as
        // the one path parameter the OpenAPI document gives it, its slashes percent-encoded. Only
        // such a path pays for Foundation's case-insensitive search: a verifier's thousands of
        // plain tile paths skip it.
        guard rest.contains("%") else { return rest.split(separator: "/", omittingEmptySubsequences: false) }
        return rest.replacingOccurrences(of: "%2F", with: "/", options: .caseInsensitive)
            .split(separator: "/", omittingEmptySubsequences: false)
    }

    static func binary(_ body: ByteBuffer, caching: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/octet-stream", .cacheControl: caching], body: .init(byteBuffer: body))
    }
}
