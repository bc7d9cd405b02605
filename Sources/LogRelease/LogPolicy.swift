import TransparencyLog

/// A C2SP `tlog-policy`: the logs and witnesses a data holder trusts and the quorum of cosignatures
/// a checkpoint needs. Sigsum writes its `group` and `quorum` lines the same way.
public struct LogPolicy: Sendable {
    public struct Log: Sendable {
        public let verifier: NoteVerifier
        /// As written on the `log` line; what it is for is the application's business.
        public let url: String?
        /// The log's vkey as written, what a monitor keeps with its state.
        public let verifierKey: String
    }

    public struct Witness: Sendable {
        /// The policy's own name for it, used only within the policy.
        public let name: String
        public let verifier: CosignatureVerifier
        public let url: String?
    }

    /// What has to have witnessed a checkpoint: one witness, or at least `threshold` of a group's members.
    public indirect enum Quorum: Sendable {
        /// `quorum none`: no cosignature is needed.
        case none
        case witness(String)
        case group(name: String, threshold: Int, members: [Quorum])

        /// Whether the witnesses named in `cosigned` make this quorum.
        public func isMet(by cosigned: Set<String>) -> Bool {
            switch self {
            case .none: true
            case .witness(let name): cosigned.contains(name)
            case .group(_, let threshold, let members): members.count { $0.isMet(by: cosigned) } >= threshold
            }
        }
    }

    public let logs: [Log]
    public let witnesses: [Witness]
    public let quorum: Quorum

    /// Beyond the 32 logs, witnesses and groups the spec asks implementations to support, with room;
    /// the limit only keeps a hostile file from making every check slow.
    public static let maximumDefinitions = 256
    /// A policy of the maximum size with URLs fits many times over.
    public static let maximumBytes = 256 * 1024

    /// Parses the file's bytes strictly: an unknown keyword, an undefined or repeated name, a key of
    /// the wrong type or a duplicate key is refused with its line number.
    public init(parsing bytes: [UInt8]) throws(LogPolicyError) {
        guard bytes.count <= Self.maximumBytes else { throw .tooLarge(bytes: bytes.count, maximum: Self.maximumBytes) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw LogPolicyError(line: nil, "it is not UTF-8") }
        var logs: [Log] = []
        var witnesses: [Witness] = []
        // Witnesses and groups share one namespace; "none" is reserved.
        var names: [String: Quorum] = [:]
        var keys: Set<[UInt8]> = []
        var quorum: Quorum?
        var used: Set<String> = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (offset, line) in lines.enumerated() {
            let number = offset + 1
            if let bad = line.utf8.first(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) {
                throw LogPolicyError(line: number, "it holds the control character 0x\(String(bad, radix: 16)), only tab is allowed")
            }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let keyword = fields.first, !keyword.hasPrefix("#") else { continue }
            func fail(_ reason: String) -> LogPolicyError { LogPolicyError(line: number, reason) }
            func requireNew(_ name: String) throws(LogPolicyError) {
                guard name != "none" else { throw fail("the name none is reserved") }
                guard names[name] == nil else { throw fail("\(name) is defined twice") }
                guard names.count < Self.maximumDefinitions else { throw fail("more than \(Self.maximumDefinitions) witnesses and groups") }
            }
            // Two vkeys wrap the same key when their public keys are the same, whatever name, key ID
            // or type byte they give it: a log key listed as a witness's too would let the log
            // cosign its own checkpoints. A vkey is `<name>+<key ID>+<base64>`, and base64 may hold
            // a "+" of its own; the verifier parsed it already.
            func requireNewKey(_ vkey: String) throws(LogPolicyError) {
                let parts = vkey.split(separator: "+", maxSplits: 2)
                guard parts.count == 3, let typed = StrictBase64.decode(parts[2]), typed.count > 1 else { throw fail("its key is not a vkey") }
                guard keys.insert(Array(typed.dropFirst())).inserted else { throw fail("its key is listed already") }
            }
            switch keyword {
            case "log":
                guard (2...3).contains(fields.count) else { throw fail("expected 'log <vkey> [<url>]'") }
                guard logs.count < Self.maximumDefinitions else { throw fail("more than \(Self.maximumDefinitions) logs") }
                let verifier: NoteVerifier
                do { verifier = try NoteVerifier(verifierKey: fields[1]) } catch { throw fail("the log key: \(Self.describe(error))") }
                try requireNewKey(fields[1])
                logs.append(Log(verifier: verifier, url: fields.count == 3 ? fields[2] : nil, verifierKey: fields[1]))
            case "witness":
                guard (3...4).contains(fields.count) else { throw fail("expected 'witness <name> <vkey> [<url>]'") }
                try requireNew(fields[1])
                let verifier: CosignatureVerifier
                do { verifier = try CosignatureVerifier(verifierKey: fields[2]) } catch {
                    throw fail("the key of witness \(fields[1]): \(Self.describe(error))")
                }
                try requireNewKey(fields[2])
                witnesses.append(Witness(name: fields[1], verifier: verifier, url: fields.count == 4 ? fields[3] : nil))
                names[fields[1]] = .witness(fields[1])
            case "group":
                guard fields.count >= 4 else { throw fail("expected 'group <name> all|any|<k> <name>...'") }
                try requireNew(fields[1])
                let memberNames = Array(fields[3...])
                var members: [Quorum] = []
                var listed: Set<String> = []
                for member in memberNames {
                    guard member != "none" else { throw fail("none cannot be a group member") }
                    guard let defined = names[member] else { throw fail("\(member) is not defined on an earlier line") }
                    guard listed.insert(member).inserted, !used.contains(member) else {
                        throw fail("\(member) is a group member already: a name counts towards the quorum one way only")
                    }
                    members.append(defined)
                }
                let threshold: Int
                switch fields[2] {
                case "all": threshold = members.count
                case "any": threshold = 1
                default:
                    guard fields[2].utf8.allSatisfy({ UInt8(ascii: "0")...UInt8(ascii: "9") ~= $0 }), let k = Int(fields[2]),
                        (1...members.count).contains(k)
                    else { throw fail("the threshold \(fields[2]) is not all, any or a decimal from 1 to \(members.count)") }
                    threshold = k
                }
                used.formUnion(memberNames)
                names[fields[1]] = .group(name: fields[1], threshold: threshold, members: members)
            case "quorum":
                guard fields.count == 2 else { throw fail("expected 'quorum <name>'") }
                guard quorum == nil else { throw fail("a second quorum line") }
                if fields[1] == "none" {
                    quorum = Quorum.none
                } else {
                    guard let defined = names[fields[1]] else { throw fail("\(fields[1]) is not defined on an earlier line") }
                    quorum = defined
                }
            default:
                throw fail("unknown line '\(keyword)': expected log, witness, group or quorum")
            }
        }
        guard let quorum else { throw LogPolicyError(line: nil, "it has no quorum line") }
        self.logs = logs
        self.witnesses = witnesses
        self.quorum = quorum
    }

    /// The witnesses whose cosignatures on `note` verify; a line of a listed witness that does not
    /// verify refuses the note (it was altered), lines of unlisted keys are ignored.
    public func cosignatures(in note: SignedNote) throws(NoteError) -> [(witness: String, cosignature: Cosignature)] {
        var found: [(witness: String, cosignature: Cosignature)] = []
        for witness in witnesses {
            do {
                found.append((witness.name, try witness.verifier.cosignature(in: note)))
            } catch NoteError.missingSignature {
                continue
            } catch let error as NoteError {
                throw error
            } catch {
                throw .malformedNote("\(error)")
            }
        }
        return found
    }

    private static func describe(_ error: any Error) -> String {
        (error as? NoteError)?.description ?? "\(error)"
    }
}

/// Why a policy file was refused; `line` counts from 1.
public struct LogPolicyError: Error, Equatable, Sendable, CustomStringConvertible {
    public let line: Int?
    public let reason: String

    init(line: Int?, _ reason: String) {
        self.line = line
        self.reason = reason
    }

    static func tooLarge(bytes: Int, maximum: Int) -> LogPolicyError {
        LogPolicyError(line: nil, "it is \(bytes) bytes, more than \(maximum)")
    }

    public var description: String {
        line.map { "policy line \($0): \(reason)" } ?? "policy: \(reason)"
    }
}
