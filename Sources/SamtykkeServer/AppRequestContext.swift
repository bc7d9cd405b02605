import Hummingbird
import Logging
import SamtykkeCore
import SamtykkeStore

/// Who is calling, once an authentication middleware has looked at the credentials.
public enum Caller: Sendable, Hashable {
    case bank(OrgNumber)
    case citizen(PersonID)
    case auditor(name: String)
}

public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var caller: Caller?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.caller = nil
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
