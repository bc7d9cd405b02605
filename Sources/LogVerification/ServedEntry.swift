/// One entry as a log serves it: the index it was filed under and the leaf bytes stored there.
///
/// The two can disagree (a row moved or swapped keeps its place but not its bytes), which is why
/// both are kept: the verifier checks the served index and the index inside the leaf separately.
public struct ServedEntry: Sendable, Hashable {
    public let index: UInt64
    public let leaf: [UInt8]

    public init(index: UInt64, leaf: [UInt8]) {
        self.index = index
        self.leaf = leaf
    }
}
