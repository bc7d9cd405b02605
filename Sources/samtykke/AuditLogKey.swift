import Foundation
import SamtykkeJOSE
import TransparencyLog

/// `--log-key`: the log's verifier key (C2SP note verifier key format), or a file holding it.
enum AuditLogKey {
    /// `text` itself when it is a verifier key, else the contents of the file it names.
    ///
    /// Nothing read from a file is echoed in errors: the file named may hold the log's private key
    /// (SAMTYKKE_LOG_KEY also names the signing key for `serve`), and an error line must not leak it.
    static func resolve(_ text: String) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if (try? NoteVerifier(verifierKey: trimmed)) != nil { return trimmed }
        guard FileManager.default.fileExists(atPath: text) else {
            // A value with '+' was meant as a key, so it is not repeated; anything else is a path.
            let shown = text.contains("+") ? "the --log-key value" : "--log-key \(text)"
            throw CLIError("\(shown) is neither a note verifier key (<name>+<key id>+<base64 key>) nor a file")
        }
        let key = try KeyFiles.read(text).trimmingCharacters(in: .whitespacesAndNewlines)
        guard (try? NoteVerifier(verifierKey: key)) != nil else {
            throw CLIError("\(text) does not hold a note verifier key (<name>+<key id>+<base64 key>); the log's public key is at /v1/audit/log-key")
        }
        return key
    }
}
