extension AuditEntry {
    /// The index `leaf` states, provided it is a canonical entry: exactly what `init(leafBytes:)`
    /// accepts, for a verifier that reads millions of leaves and needs only their indexes.
    ///
    /// The leaves the broker writes are checked in one pass over their bytes (`LeafScanner`); only
    /// a leaf that pass cannot vouch for is parsed in full, which also names what is wrong with it.
    public static func index(ofLeaf leaf: UnsafeRawBufferPointer) throws(DomainError) -> UInt64 {
        if let index = LeafScanner.index(of: leaf) { return index }
        return try AuditEntry(leafBytes: Array(leaf)).index
    }
}
