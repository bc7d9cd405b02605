import Hummingbird

extension WitnessError: HTTPResponseError {
    public var status: HTTPResponse.Status {
        switch self {
        case .malformedRequest, .oldSizeBeyondCheckpoint: .badRequest
        case .unknownLog: .notFound
        case .invalidLogSignature: .forbidden
        case .sizeMismatch, .rootMismatch: .conflict
        case .inconsistent: .unprocessableContent
        case .stateNotSaved, .cosigningFailed: .internalServerError
        }
    }

    /// A size conflict's body is the size alone, typed so a client can tell it from a fork's 409;
    /// every other refusal explains itself in one line of text.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let (contentType, body) =
            switch self {
            case .sizeMismatch(_, let witnessSize): ("text/x.tlog.size", "\(witnessSize)\n")
            default: ("text/plain; charset=utf-8", "\(description)\n")
            }
        return Response(status: status, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
