import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SamtykkeCore
import SamtykkeStore

/// Who is calling, once an authentication middleware has looked at the credentials.
public enum Caller: Sendable, Hashable {
    case bank(OrgNumber)
    case citizen(PersonID)
    case auditor(name: String)
}

extension Caller {
    /// What the access log says about the caller: the kind only, never who.
    var kind: String {
        switch self {
        case .bank: "bank"
        case .citizen: "citizen"
        case .auditor: "auditor"
        }
    }
}

public struct AppRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection's peer. The router test client has no socket, so there it is nil.
    public let remoteAddress: SocketAddress?
    /// Shared by every copy of this request's context: authentication sets it deep in the chain,
    /// and the access log, outermost, still reads it once the response is back.
    private let callerSlot = RequestSlot<Caller?>(nil)
    /// Headers every answer to this request carries, its problem documents included (the caller's
    /// rate limit): set deep in the chain, added by the outermost middleware.
    private let headerSlot = RequestSlot<HTTPFields>([:])
    private let credentialSlot = RequestSlot<String?>(nil)

    public var caller: Caller? {
        get { callerSlot.value }
        nonmutating set { callerSlot.value = newValue }
    }

    var answerHeaders: HTTPFields {
        get { headerSlot.value }
        nonmutating set { headerSlot.value = newValue }
    }

    /// The kind of credential the caller authenticated with, for the access log.
    public var credential: String? {
        get { credentialSlot.value }
        nonmutating set { credentialSlot.value = newValue }
    }

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The authenticated bank; the middleware on bank routes guarantees there is one.
    func bank() throws -> OrgNumber {
        guard case .bank(let org) = caller else { throw Problem.unauthorized("a bank API key is required") }
        return org
    }

    func citizen() throws -> PersonID {
        guard case .citizen(let person) = caller else { throw Problem.unauthorized("an ID token is required") }
        return person
    }
}
