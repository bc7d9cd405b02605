import CanonicalJSON
import SamtykkeCore
import TransparencyLog

/// The token's `tlog` claim (SPEC §5): the C2SP tlog-proof of a `data.requested` entry, the entry's
/// leaf bytes and its opening. Read, not yet checked.
public struct ReleaseClaim: Sendable, Hashable {
    public let proof: String
    public let entry: [UInt8]
    public let opening: JSONValue

    public init(proof: String, entry: [UInt8], opening: JSONValue) {
        self.proof = proof
        self.entry = entry
        self.opening = opening
    }

    /// `{proof, entry, opening}`: `entry` standard base64, every member required, no others.
    public init(json: JSONValue) throws(ReleaseRefusal) {
        guard case .object(let members) = json else { throw ReleaseRefusal(.proof, "the tlog claim is not an object") }
        guard case .string(let proof)? = members["proof"] else { throw ReleaseRefusal(.proof, "tlog.proof is missing or not a string") }
        guard case .string(let entry)? = members["entry"], let leaf = StrictBase64.decode(entry) else {
            throw ReleaseRefusal(.proof, "tlog.entry is missing or not standard base64")
        }
        guard let opening = members["opening"] else { throw ReleaseRefusal(.entry, "tlog.opening is missing") }
        guard members.count == 3 else { throw ReleaseRefusal(.proof, "the tlog claim has members other than proof, entry and opening") }
        self.init(proof: proof, entry: leaf, opening: opening)
    }
}

/// What the consent token says the release is for: it must be what the logged entry names.
public struct ReleaseSubject: Sendable, Hashable {
    public let consentId: ConsentID
    public let personId: PersonID
    public let bankOrg: OrgNumber
    public let consentTag: ConsentTag
    public let scopes: Set<Scope>
    public let years: Set<Int>

    public init(consentId: ConsentID, personId: PersonID, bankOrg: OrgNumber, consentTag: ConsentTag, scopes: Set<Scope>, years: Set<Int>) {
        self.consentId = consentId
        self.personId = personId
        self.bankOrg = bankOrg
        self.consentTag = consentTag
        self.scopes = scopes
        self.years = years
    }
}
