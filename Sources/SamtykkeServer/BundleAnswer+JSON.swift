import CanonicalJSON
import SamtykkeAPI

extension BundleAnswer {
    /// The answer as `JSONIO.bytes` writes it (sorted keys, slashes as they are), through the RFC 8785
    /// serializer, which copies each string's unescaped runs whole: the answer is a few kilobytes of
    /// base64, and `JSONEncoder`, looking at it one character at a time, took more of a bundle's CPU
    /// than its ES256 signature.
    func json() throws -> [UInt8] {
        var receipt: [String: JSONValue] = [
            "index": try JSONValue(integer: Int(clamping: auditReceipt.index)),
            "entry": .string(auditReceipt.entry),
            "treeSize": try JSONValue(integer: Int(clamping: auditReceipt.treeSize)),
            "inclusionProof": .array(auditReceipt.inclusionProof.map(JSONValue.string)),
            "checkpoint": .string(auditReceipt.checkpoint),
        ]
        receipt["opening"] = auditReceipt.opening
        return try CanonicalJSON.encode(.object(["bundle": .string(bundle), "auditReceipt": .object(receipt)]))
    }
}
