import Foundation
import SamtykkeAPI
import SamtykkeStore
import TransparencyLog

extension BundleAnswer.Receipt {
    /// `checkpoint`: the receipt's own note with cosignatures appended, when there are any.
    init(_ receipt: AuditReceipt, checkpoint: String? = nil) {
        self.init(
            index: receipt.index,
            entry: Data(receipt.entry).base64EncodedString(),
            treeSize: receipt.treeSize,
            inclusionProof: receipt.inclusionProof.map(\.base64),
            checkpoint: checkpoint ?? receipt.checkpoint,
            opening: receipt.opening?.json
        )
    }
}
