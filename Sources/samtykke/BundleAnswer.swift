/// The broker's answer to a bundle request, `{bundle, auditReceipt}` (SPEC §3), as banks keep it.
struct BundleAnswer: Decodable {
    struct Receipt: Decodable {
        let index: UInt64
        let entry: String
        let treeSize: UInt64
        let inclusionProof: [String]
        let checkpoint: String
    }

    let bundle: String
    let auditReceipt: Receipt
}
