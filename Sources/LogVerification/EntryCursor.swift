import TransparencyLog

/// Walks the first `size` entries of a log page by page, checking that each is the canonical
/// audit entry for its position, and hands out their leaf hashes, feeding the v2 ones to
/// `invariants`.
///
/// Only one page is held at a time, so a pass over any log needs memory for a page, not the log.
/// A bad entry is thrown as a `LogVerificationFailure` naming its index; the first one met is the
/// first bad index because positions are checked strictly in order.
struct EntryCursor<Source: LogSource> {
    let source: Source
    let size: UInt64
    let pageSize: Int
    /// Entries checked so far; the index of the next one.
    private(set) var position: UInt64 = 0
    private(set) var invariants = InvariantCheck()

    init(source: Source, size: UInt64, pageSize: Int) {
        self.source = source
        self.size = size
        self.pageSize = pageSize
    }

    /// The leaf hashes of the next page, nil once `size` entries were read.
    mutating func nextPage() async throws -> [Hash]? {
        guard position < size else { return nil }
        let wanted = Int(min(UInt64(pageSize), size - position))
        let served = try await source.entries(start: position, limit: wanted)
        guard !served.isEmpty else {
            throw LogVerificationFailure(.missingEntry(index: position, next: nil, checkpointSize: size))
        }
        var hashes: [Hash] = []
        hashes.reserveCapacity(min(served.count, wanted))
        // Extra entries beyond the request are ignored: only the signed size is verified.
        for entry in served.prefix(wanted) {
            if entry.index > position {
                throw LogVerificationFailure(.missingEntry(index: position, next: entry.index, checkpointSize: size))
            }
            if entry.index < position {
                throw LogVerificationFailure(.outOfOrder(index: position, served: entry.index))
            }
            let at = position
            let checked = try entry.leaf.withUnsafeBytes { leaf in try LeafCheck.check(leaf, at: at) }
            hashes.append(checked.hash)
            if let publicEntry = checked.publicEntry { invariants.take(publicEntry) }
            position += 1
        }
        return hashes
    }
}
