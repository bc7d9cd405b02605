import Foundation
import SamtykkeJOSE
import TransparencyLog

/// The log's verifier key (C2SP note verifier key format) as a user gives it: the key itself, or a
/// file holding it (`--log-key`).
public enum LogVerifierKey {
    /// `text` itself when it is a verifier key, else the key in the file it names.
    ///
    /// Nothing read from a file is echoed in errors: the file named may hold the log's private key
    /// (SAMTYKKE_LOG_KEY also names the signing key for `serve`), and an error line must not leak it.
    public static func resolve(_ text: String) throws(LogVerifierKeyError) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if (try? NoteVerifier(verifierKey: trimmed)) != nil { return trimmed }
        guard FileManager.default.fileExists(atPath: text) else {
            // A value with '+' was meant as a key, so it is not repeated; anything else is a path.
            throw .neitherKeyNorFile(shown: text.contains("+") ? nil : text)
        }
        let key: String
        do {
            key = try KeyFiles.read(text).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw .unreadable(error)
        }
        guard (try? NoteVerifier(verifierKey: key)) != nil else { throw .fileHoldsNoKey(path: text) }
        return key
    }
}

public enum LogVerifierKeyError: Error, Hashable, CustomStringConvertible {
    /// `shown` is nil when the value looked like a key, which is not repeated.
    case neitherKeyNorFile(shown: String?)
    case unreadable(KeyFileError)
    case fileHoldsNoKey(path: String)

    public var description: String {
        switch self {
        case .neitherKeyNorFile(let shown):
            "\(shown.map { "--log-key \($0)" } ?? "the --log-key value") is neither a note verifier key (<name>+<key id>+<base64 key>) nor a file"
        case .unreadable(let error): "\(error)"
        case .fileHoldsNoKey(let path):
            "\(path) does not hold a note verifier key (<name>+<key id>+<base64 key>); the log's public key is at /v1/audit/log-key"
        }
    }
}
