import CurlHTTP
import TransparencyLog

/// Submits a log's checkpoints to one C2SP tlog-witness and returns its verified cosignatures.
///
/// Knows nothing of storage: proofs come from the closure given to `submit`. It remembers the
/// size the witness last cosigned (learnt from its answers), so each submission proves from
/// there; the first one proves from 0 and, as the spec suggests, learns the size from the 409.
public actor WitnessClient {
    /// The witness's submission prefix; `/add-checkpoint` is appended.
    public nonisolated let url: String
    public nonisolated let verifier: CosignatureVerifier
    private let http: CurlClient
    /// The size this witness last cosigned, as far as its answers told; nil before the first.
    public private(set) var witnessSize: UInt64?

    public init(url: String, verifier: CosignatureVerifier, http: CurlClient) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.verifier = verifier
        self.http = http
    }

    /// The witness's cosignature of `signedCheckpoint`, verified with its key.
    ///
    /// `consistencyProof(from, to)` is asked for a proof from the size the witness holds to the
    /// checkpoint's; on a size conflict it is asked once more, from the size the witness names.
    /// Throws `WitnessClientError`, `CurlError` when no answer came, and whatever the closure throws.
    public func submit(
        _ signedCheckpoint: String,
        consistencyProof: @Sendable (_ from: UInt64, _ to: UInt64) async throws -> [Hash]
    ) async throws -> Cosignature {
        let size = try Checkpoint(parsing: SignedNote(parsing: signedCheckpoint).text).size
        var oldSize = min(witnessSize ?? 0, size)
        var retried = false
        while true {
            let proof = oldSize == 0 || oldSize == size ? [] : try await consistencyProof(oldSize, size)
            switch try await addCheckpoint(AddCheckpointRequest(oldSize: oldSize, proof: proof, signedCheckpoint: signedCheckpoint)) {
            case .cosigned(let cosignature):
                witnessSize = size
                return cosignature
            case .sizeConflict(let reported):
                witnessSize = reported
                guard reported <= size else { throw WitnessClientError.witnessAhead(witnessSize: reported, checkpointSize: size) }
                guard !retried, reported != oldSize else { throw WitnessClientError.sizeConflictPersists(witnessSize: reported) }
                retried = true
                oldSize = reported
            }
        }
    }

    /// One `POST /add-checkpoint`, as is: no retry.
    public func addCheckpoint(_ request: AddCheckpointRequest) async throws -> WitnessAnswer {
        let response = try await http.execute(CurlRequest(
            method: "POST", url: url + "/add-checkpoint",
            headers: [CurlHeader(name: "Content-Type", value: "text/plain; charset=utf-8")],
            body: request.body
        ))
        guard let body = String(validating: response.body, as: UTF8.self) else {
            throw WitnessClientError.malformedResponse("HTTP \(response.status) with a body that is not UTF-8")
        }
        switch response.status {
        case 200:
            // The spec's way to read the answer: append it to the checkpoint and open the note
            // with the witness's key, which ignores lines of other keys the witness may add.
            do {
                return .cosigned(try verifier.cosignature(in: request.signedCheckpoint + body))
            } catch let error as NoteError {
                throw WitnessClientError.invalidCosignature(error)
            }
        case 409 where response.header(named: "Content-Type")?.hasPrefix("text/x.tlog.size") == true:
            guard body.hasSuffix("\n"), let size = AddCheckpointRequest.decimal(body.dropLast()) else {
                throw WitnessClientError.malformedResponse("a size conflict whose body is not a decimal size line")
            }
            return .sizeConflict(witnessSize: size)
        default:
            throw WitnessClientError.refused(status: response.status, message: String(body.prefix { $0 != "\n" }.prefix(200)))
        }
    }
}
