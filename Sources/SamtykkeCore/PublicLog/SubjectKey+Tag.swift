import Crypto

extension LogBytes where Kind == SubjectKeyKind {
    /// The subject tag of the entry at `index` (SPEC §4): the first 16 bytes of
    /// HMAC-SHA256(key, "samtykke-subject-v2" || uint64_be(index)). The index in the message makes
    /// every tag of one person different, so tags alone do not link a person's entries.
    public func tag(at index: UInt64) -> SubjectTag {
        SubjectTagger(self).tag(at: index)
    }
}

/// One person's subject tags, many of them: HMAC-SHA256 (RFC 2104) with both of its keyed blocks
/// hashed once, and the inner one fed the fixed prefix too, so each tag costs only two blocks of
/// SHA-256 (a citizen's scan makes one per entry of the log; `HMAC` hashes the outer key block
/// again on every tag).
public struct SubjectTagger: Sendable {
    private let inner: SHA256
    private let outer: SHA256

    public init(_ key: SubjectKey) {
        // A 32-byte key is its own block, padded with zeros to SHA-256's 64.
        let block = key.bytes + [UInt8](repeating: 0, count: 64 - SubjectKeyKind.length)
        var inner = SHA256()
        inner.update(data: block.map { $0 ^ 0x36 })
        inner.update(data: Array("samtykke-subject-v2".utf8))
        var outer = SHA256()
        outer.update(data: block.map { $0 ^ 0x5C })
        self.inner = inner
        self.outer = outer
    }

    public func tag(at index: UInt64) -> SubjectTag {
        var inner = inner
        withUnsafeBytes(of: index.bigEndian) { inner.update(bufferPointer: $0) }
        var outer = outer
        inner.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
        return outer.finalize().withUnsafeBytes { SubjectTag(prefixOf: $0) }
    }
}

extension LogBytes where Kind == EntryCommitmentKind {
    /// The commitment to an entry's private part (SPEC §4):
    /// SHA-256("samtykke-entry-v2\n" || salt || canonical private part).
    ///
    /// Fed as raw bytes where they lie: an auditor computes a million of these, and an array made
    /// for the prefix and the salt, and the generic `DataProtocol` path, cost more than the hashing.
    public init(salt: EntrySalt, privateBytes: [UInt8]) {
        var hasher = SHA256()
        commitmentPrefix.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        salt.withBytes { hasher.update(bufferPointer: $0) }
        privateBytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        self = hasher.finalize().withUnsafeBytes { EntryCommitment(prefixOf: $0) }
    }
}

private let commitmentPrefix = Array("samtykke-entry-v2\n".utf8)
