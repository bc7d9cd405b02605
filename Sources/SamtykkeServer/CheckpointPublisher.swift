import Hummingbird
import SamtykkeStore
import TransparencyLog

/// The newest signed checkpoint with the witnesses' cosignatures, as `/v1/audit/checkpoint` and
/// `/v1/audit/tlog/checkpoint` serve it.
struct CheckpointPublisher: Sendable {
    let store: any LogStore
    /// Signs the empty tree's checkpoint, before the first entry.
    let logSigner: LogSigner
    let cosignatures: HeldCosignatures

    /// It changes with every entry, so caches keep it only for a moment.
    func response() async throws -> Response {
        // Before the first entry the empty tree's checkpoint is signed on the spot: reading never writes.
        let head = try await store.logHead()
        guard let note = head.checkpoint?.note else {
            var response = PublicController.text(try logSigner.sign(size: 0, rootHash: MerkleHasher.emptyRoot).note)
            response.headers[.cacheControl] = Self.caching
            return response
        }
        var response = PublicController.text(await cosignatures.cosigned(note))
        response.headers[.cacheControl] = Self.caching
        return response
    }

    static let caching = "public, max-age=2"
}
