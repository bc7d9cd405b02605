/// A C2SP signed note split into its text and its signature lines, nothing verified.
///
/// The text is not to be trusted until a verifier has checked a signature of a key it trusts over
/// it; this type is what `NoteVerifier` and `CosignatureVerifier` both read, and lets a
/// submitter see which checkpoint it is about to hand a witness.
public struct SignedNote: Sendable, Hashable {
    /// Up to and including the newline before the blank line.
    public let text: String
    public let signatures: [NoteSignature]

    public init(parsing signedNote: String) throws {
        let bytes = Array(signedNote.utf8)
        guard !NoteFormat.containsControlCharacter(bytes) else {
            throw NoteError.malformedNote("it contains a control character other than newline")
        }
        guard bytes.last == 0x0A else { throw NoteError.malformedNote("it does not end with a newline") }
        // The text may itself contain blank lines: the last one separates it from the signatures.
        guard let blankLine = bytes.indices.dropLast().last(where: { bytes[$0] == 0x0A && bytes[$0 + 1] == 0x0A }) else {
            throw NoteError.malformedNote("the text is not followed by a blank line")
        }
        let lines = bytes[(blankLine + 2)...].split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
        guard !lines.isEmpty else { throw NoteError.malformedNote("it has no signature lines") }
        guard lines.count <= NoteFormat.maximumSignatures else {
            throw NoteError.malformedNote("more than \(NoteFormat.maximumSignatures) signature lines")
        }
        text = String(decoding: bytes[...blankLine], as: UTF8.self)
        signatures = try lines.map(NoteSignature.init(parsing:))
    }
}
