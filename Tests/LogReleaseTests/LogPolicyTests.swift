import Crypto
import LogRelease
import Testing
import TransparencyLog
import TestSupport

@Suite(.sameOnEveryBackend) struct LogPolicyTests {
    static let logKey = Curve25519.Signing.PrivateKey()
    static let log = try! NoteSigner(name: "samtykke.test/log", privateKey: logKey).verifierKey
    static let witnesses = (1...6).map { try! CosignatureSigner(name: "w\($0).test", privateKey: Curve25519.Signing.PrivateKey()).verifierKey }
    /// The log's own key, as a witness's cosignature key (another type byte, another name).
    static let logKeyAsWitness = try! CosignatureSigner(name: "w.test", privateKey: logKey).verifierKey

    static func parse(_ text: String) throws(LogPolicyError) -> LogPolicy { try LogPolicy(parsing: Array(text.utf8)) }

    /// The two-level example of C2SP tlog-policy, as Sigsum writes its groups too: comments, blank
    /// lines, tabs, a URL.
    @Test func readsGroupsAndQuorumAsTheSpecWritesThem() throws {
        let policy = try Self.parse("""
            # the broker
            log \(Self.log) https://broker.test/v1/audit/tlog

            witness X1 \(Self.witnesses[0])
            witness X2 \(Self.witnesses[1])
            \twitness X3 \(Self.witnesses[2])  https://w3.test
            group X-witnesses 2 X1 X2 X3
            witness Y1 \(Self.witnesses[3])
            witness Y2 \(Self.witnesses[4])
            witness Y3 \(Self.witnesses[5])
            group Y-witnesses any Y1 Y2 Y3
            group X-and-Y all X-witnesses Y-witnesses
            quorum X-and-Y

            """)
        #expect(policy.logs.first?.url == "https://broker.test/v1/audit/tlog")
        #expect(policy.witnesses.map(\.name) == ["X1", "X2", "X3", "Y1", "Y2", "Y3"])
        #expect(policy.quorum.isMet(by: ["X1", "X3", "Y2"]))
        #expect(!policy.quorum.isMet(by: ["X1", "Y1", "Y2", "Y3"]))
        #expect(!policy.quorum.isMet(by: ["X1", "X2", "X3"]))
    }

    @Test(arguments: [
        ("log \(log)\nwitness W \(witnesses[0])\nthreshold W\nquorum W\n", 3, "unknown line 'threshold'"),
        ("log \(log)\nquorum W\n", 2, "W is not defined on an earlier line"),
        ("log \(log)\nwitness W \(witnesses[0])\ngroup G 2 W\nquorum G\n", 3, "not all, any or a decimal from 1 to 1"),
        ("log \(log)\nwitness W \(witnesses[0])\nwitness V \(witnesses[0])\nquorum W\n", 3, "its key is listed already"),
        ("log \(log)\nwitness W \(logKeyAsWitness)\nquorum W\n", 2, "its key is listed already"),
        ("log \(log)\nwitness W \(witnesses[0])\nwitness W \(witnesses[1])\nquorum W\n", 3, "W is defined twice"),
        ("log \(log)\nwitness W \(witnesses[0])\ngroup G any W W\nquorum G\n", 3, "W is a group member already"),
        ("log \(log)\nwitness W \(witnesses[0])\ngroup G any W\ngroup H any W\nquorum G\n", 4, "W is a group member already"),
        ("log \(log)\nwitness W \(witnesses[0])\nquorum W\nquorum none\n", 4, "a second quorum line"),
        ("log \(witnesses[0])\nquorum none\n", 1, "unsupported signature algorithm 0x4"),
        ("log \(log)\nwitness none \(witnesses[0])\nquorum none\n", 2, "the name none is reserved"),
        ("log \(log)\nwitness W \(witnesses[0])\r\nquorum W\n", 2, "control character 0xd"),
    ])
    func refusesWithTheLineNumber(_ text: String, _ line: Int, _ reason: String) {
        #expect {
            _ = try Self.parse(text)
        } throws: { error in
            let error = error as? LogPolicyError
            return error?.line == line && error?.reason.contains(reason) == true
        }
    }

    @Test func refusesAPolicyWithoutAQuorumOrNoneForRelease() throws {
        #expect { try Self.parse("log \(Self.log)\n") } throws: { ($0 as? LogPolicyError)?.description == "policy: it has no quorum line" }
        #expect(throws: LogPolicyError.self) { try ProofCheck(policy: Self.parse("log \(Self.log)\nquorum none\n")) }
    }
}
