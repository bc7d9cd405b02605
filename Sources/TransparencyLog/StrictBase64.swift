#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Standard base64 (RFC 4648 §4) that accepts only the one encoding it would produce.
///
/// Signed notes and checkpoints are compared and signed as text, so a decoder that also took
/// unpadded, whitespace-laden or non-canonical input would let two texts stand for one value.
public enum StrictBase64 {
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString()
    }

    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        guard let data = Data(base64Encoded: String(text)), data.base64EncodedString() == text else { return nil }
        return Array(data)
    }
}
