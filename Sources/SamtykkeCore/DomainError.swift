/// Why a value or a transition was refused, in terms of the domain only: no HTTP here.
///
/// `field` names the input at fault (a JSON pointer-ish path such as `personId` or `years[2]`) so every
/// layer above can tell a caller exactly what to fix.
public struct DomainError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// Malformed or out-of-range input.
        public static let invalid = Code("invalid")
        /// A state transition the consent state machine does not allow.
        public static let illegalTransition = Code("illegal-transition")
        /// The caller is not the party allowed to perform the action.
        public static let notPermitted = Code("not-permitted")
    }

    public let code: Code
    public let field: String?
    public let reason: String

    public init(_ code: Code, field: String? = nil, reason: String) {
        self.code = code
        self.field = field
        self.reason = reason
    }

    public static func invalid(_ field: String, _ reason: String) -> DomainError {
        DomainError(.invalid, field: field, reason: reason)
    }

    public var description: String {
        if let field { return "\(field): \(reason)" }
        return reason
    }
}
