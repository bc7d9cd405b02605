import Hummingbird
import Logging

/// `POST /add-checkpoint`, C2SP tlog-witness.
struct AddCheckpointRoute: Sendable {
    let witness: Witness

    @Sendable func handle(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: AddCheckpointRequest.maximumBodyBytes)
        do throws(WitnessError) {
            let cosignatures = try await witness.addCheckpoint(AddCheckpointRequest(parsing: Array(body.readableBytesView)))
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: cosignatures.map(\.line).joined()))
            )
        } catch {
            // A validly signed checkpoint that contradicts what was cosigned is evidence of a log
            // misbehaving, which the spec suggests keeping; the log is where operators look.
            switch error {
            case .rootMismatch, .inconsistent: context.logger.warning("refused a signed checkpoint", metadata: ["reason": "\(error)"])
            case .stateNotSaved, .cosigningFailed: context.logger.error("nothing cosigned", metadata: ["reason": "\(error)"])
            default: break
            }
            throw error
        }
    }
}
