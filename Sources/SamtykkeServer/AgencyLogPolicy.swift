import LogRelease
import TransparencyLog

/// `serve --agency-log-policy FILE` (SPEC §5): the C2SP tlog-policy the agency releases against.
/// With it the broker logs `data.requested` before each fetch and waits for a checkpoint that covers
/// it and that enough of its witnesses cosigned to meet the policy's quorum.
///
/// Checked once, at start: a policy about another log, or one the broker's `--witness` list cannot
/// satisfy, would have the agency refuse every fetch, so the broker refuses to start instead.
public struct AgencyLogPolicy: Sendable {
    public let policy: LogPolicy
    /// The keys of the broker's `--witness` list, in its order.
    let witnesses: [CosignatureVerifier]

    public init(policy: LogPolicy, logVerifierKey: String, witnesses: [CosignatureVerifier]) throws(AgencyLogPolicyError) {
        guard policy.logs.count == 1, let log = policy.logs.first else { throw .logs(policy.logs.count) }
        guard log.verifierKey == logVerifierKey else { throw .otherLog(policy: log.verifierKey, broker: logVerifierKey) }
        let reachable = Self.names(in: policy, of: witnesses)
        if case .none = policy.quorum { throw .quorumNone }
        guard policy.quorum.isMet(by: reachable) else {
            throw .quorumUnreachable(witnesses: witnesses.count, matching: reachable.sorted())
        }
        self.policy = policy
        self.witnesses = witnesses
    }

    /// The policy's names of those of `witnesses` it lists (matched by key).
    private static func names(in policy: LogPolicy, of witnesses: [CosignatureVerifier]) -> Set<String> {
        Set(policy.witnesses.filter { named in
            witnesses.contains { $0.name == named.verifier.name && $0.keyID == named.verifier.keyID }
        }.map(\.name))
    }

    /// Whether `witnesses` (the keys of those of the broker's witnesses that answer) can meet the
    /// policy's quorum.
    func isMet(by witnesses: [CosignatureVerifier]) -> Bool {
        policy.quorum.isMet(by: Self.names(in: policy, of: witnesses))
    }

    /// Whether the cosignatures on `note` meet the policy's quorum.
    package func isMet(by note: String) -> Bool {
        guard let parsed = try? SignedNote(parsing: note), let cosigned = try? policy.cosignatures(in: parsed) else { return false }
        return policy.quorum.isMet(by: Set(cosigned.map(\.witness)))
    }
}

public enum AgencyLogPolicyError: Error, Equatable, CustomStringConvertible {
    case logs(Int)
    case otherLog(policy: String, broker: String)
    case quorumNone
    case quorumUnreachable(witnesses: Int, matching: [String])

    public var description: String {
        switch self {
        case .logs(let count): "--agency-log-policy lists \(count) logs; it must list exactly this broker's"
        case .otherLog(let policy, let broker): "--agency-log-policy names the log \(policy), but this broker's log key is \(broker)"
        case .quorumNone: "--agency-log-policy says quorum none: the agency needs a witness's fresh cosignature"
        case .quorumUnreachable(let count, let matching):
            "the --witness list (\(count)) cannot meet the quorum of --agency-log-policy: "
                + (matching.isEmpty ? "none of them is a witness the policy names" : "only \(matching.joined(separator: ", ")) of its witnesses are listed")
        }
    }
}
