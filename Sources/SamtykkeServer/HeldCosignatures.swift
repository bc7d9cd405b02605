import TransparencyLog

/// The witnesses' cosignature lines for the newest checkpoint this process submitted.
///
/// In memory, per broker instance: each instance submits the checkpoints it sees and serves the
/// cosignatures it got (witnesses cosign the same checkpoint for every submitter), and a restarted
/// one submits again within a second. Lines are kept per witness, in the order the witnesses were
/// configured, and only for one checkpoint: a newer one starts empty.
package actor HeldCosignatures {
    private var checkpoint: String?
    private var lines: [Int: String] = [:]

    package init() {}

    /// Keeps `line`, witness `witness`'s cosignature of `checkpoint`.
    package func hold(_ line: String, witness: Int, for checkpoint: String) {
        if checkpoint != self.checkpoint {
            self.checkpoint = checkpoint
            lines = [:]
        }
        lines[witness] = line
    }

    package func holds(witness: Int, for checkpoint: String) -> Bool {
        checkpoint == self.checkpoint && lines[witness] != nil
    }

    /// The note with every cosignature held for it appended after the log's signature.
    func cosigned(_ checkpoint: String) -> String {
        guard checkpoint == self.checkpoint else { return checkpoint }
        return checkpoint + lines.sorted { $0.key < $1.key }.map(\.value).joined()
    }
}
