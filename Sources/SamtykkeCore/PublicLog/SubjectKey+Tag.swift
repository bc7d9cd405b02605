import Crypto

extension LogBytes where Kind == SubjectKeyKind {
    /// The subject tag of the entry at `index` (SPEC §4): the first 16 bytes of
    /// HMAC-SHA256(key, "samtykke-subject-v2" || uint64_be(index)). The index in the message makes
    /// every tag of one person different, so tags alone do not link a person's entries.
    public func tag(at index: UInt64) -> SubjectTag {
        SubjectTagger(self).tag(at: index)
    }
}

/// One person's subject tags, many of them: the HMAC keyed and fed the fixed prefix once, so each
/// tag costs only the index and the finishing rounds (a citizen's scan makes one per entry).
public struct SubjectTagger {
    private let prefixed: HMAC<SHA256>

    public init(_ key: SubjectKey) {
        var mac = HMAC<SHA256>(key: SymmetricKey(data: key.bytes))
        mac.update(data: Array("samtykke-subject-v2".utf8))
        prefixed = mac
    }

    public func tag(at index: UInt64) -> SubjectTag {
        var mac = prefixed
        withUnsafeBytes(of: index.bigEndian) { mac.update(data: $0) }
        return try! SubjectTag(bytes: Array(mac.finalize().prefix(SubjectTagKind.length)))
    }
}

extension LogBytes where Kind == EntryCommitmentKind {
    /// The commitment to an entry's private part (SPEC §4):
    /// SHA-256("samtykke-entry-v2\n" || salt || canonical private part).
    public init(salt: EntrySalt, privateBytes: [UInt8]) {
        var hasher = SHA256()
        hasher.update(data: Array("samtykke-entry-v2\n".utf8))
        hasher.update(data: salt.bytes)
        hasher.update(data: privateBytes)
        self = try! EntryCommitment(bytes: Array(hasher.finalize()))
    }
}
