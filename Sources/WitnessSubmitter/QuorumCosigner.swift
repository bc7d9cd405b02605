import Foundation
import SamtykkeServer
import SamtykkeStore
import TransparencyLog
import Witness

/// A checkpoint covering an entry, cosigned by enough witnesses to meet the agency's log policy
/// (SPEC §5), as soon as one can be had rather than at the witnesses' next second.
///
/// Rounds, like the log's group commit: one at a time, each submitting the log's newest checkpoint
/// to every witness at once and ending as soon as the cosignatures in hand meet the quorum; callers
/// arriving meanwhile wait for it, and any whose entry it covers take its answer. Rounds are the
/// only submissions to the witnesses while release is on (the witness loops ask for them too), and
/// a witness has one submission at a time, so it is never asked about an older checkpoint than one
/// it already cosigned.
package actor QuorumCosigner: CheckpointCosigner {
    package typealias Cosigned = QuorumCheckpoint

    private let store: any Store
    private let upperLevels: UpperTreeLevels
    private let witnesses: [WitnessClient]
    private let held: HeldCosignatures
    private let policy: AgencyLogPolicy
    private var newest: Cosigned?
    private var round: Task<Cosigned, any Error>?
    /// The checkpoint of the latest round, and that round's submission to each witness (answered or not).
    private var roundNote: String?
    private var submissions: [Int: Task<String?, Never>] = [:]
    /// Witnesses whose latest submission has not been answered yet.
    private var answering: Set<Int> = []

    package init(store: any Store, upperLevels: UpperTreeLevels, witnesses: [WitnessClient], held: HeldCosignatures, policy: AgencyLogPolicy) {
        self.store = store
        self.upperLevels = upperLevels
        self.witnesses = witnesses
        self.held = held
        self.policy = policy
    }

    /// The newest cosigned checkpoint of at least `size` entries that meets the quorum. Waits for
    /// at most a few rounds (starting at most two: a witness that another instance moved ahead of
    /// the checkpoint one read is asked again), then throws the last round's failure.
    package func cosigned(covering size: UInt64) async throws -> Cosigned {
        var failure: (any Error)?
        var started = 0
        for _ in 0..<4 {
            if let newest, newest.size >= size { return newest }
            if let round {
                do { _ = try await round.value } catch { failure = error }
                continue
            }
            guard started < 2 else { break }
            started += 1
            let task = Task { try await self.runRound() }
            round = task
            do { _ = try await task.value } catch { failure = error }
        }
        if let newest, newest.size >= size { return newest }
        throw failure ?? QuorumCosignerError.noQuorum("the witnesses kept cosigning checkpoints older than the entry")
    }

    private func runRound() async throws -> Cosigned {
        defer { round = nil }
        guard let checkpoint = try await store.logHead().checkpoint else { throw QuorumCosignerError.noQuorum("the log has no checkpoint yet") }
        let note = checkpoint.note
        roundNote = note
        let receipts = LogReceipts(store: store, upperLevels: upperLevels)
        let (answers, heard) = AsyncStream.makeStream(of: (Int, Result<String, any Error>).self)
        var asked = 0
        // A witness still answering an earlier round is not asked again until it has: a witness
        // that hangs holds one request, not one per round, and sees checkpoints in order. Its word
        // for this round is that earlier submission's.
        for (index, witness) in witnesses.enumerated() where !answering.contains(index) {
            answering.insert(index)
            asked += 1
            submissions[index] = Task {
                let answer: Result<String, any Error>
                do {
                    let cosignature = try await witness.submit(note) { try await receipts.consistencyProof(from: $0, to: $1) }
                    await self.hold(cosignature.line, witness: index, for: note)
                    answer = .success(cosignature.line)
                } catch {
                    answer = .failure(error)
                }
                // Free for the next round before this one hears of it.
                self.answering.remove(index)
                heard.yield((index, answer))
                if case .failure(let error) = answer { return "\(error)" }
                return nil
            }
        }
        let round = submissions
        // Done as soon as the cosignatures in hand meet the quorum: a witness that hangs costs
        // nothing then. The others go on, and a cosignature they give later is still held for
        // `/v1/audit/checkpoint` while this is the newest round.
        var lines: [Int: String] = [:]
        var failures: [Int: String] = [:]
        var cosigned = note
        if asked == 0 { heard.finish() }
        for await (index, answer) in answers {
            switch answer {
            case .success(let line): lines[index] = line
            case .failure(let error): failures[index] = "\(error)"
            }
            cosigned = note + lines.sorted { $0.key < $1.key }.map(\.value).joined()
            if policy.isMet(by: cosigned) || lines.count + failures.count == asked { break }
        }
        heard.finish()
        guard policy.isMet(by: cosigned) else {
            let why = witnesses.indices.compactMap { index in
                lines[index] != nil ? nil : "witness \(index + 1) " + (failures[index].map { "did not cosign: \($0)" } ?? "is still answering an earlier round")
            }
            throw QuorumCosignerError.noQuorum(why.joined(separator: "; "))
        }
        let result = Cosigned(note: cosigned, size: checkpoint.size, submissions: round)
        if result.size > newest?.size ?? 0 || newest == nil { newest = result }
        return result
    }

    /// A cosignature of `note`, held unless a newer round began meanwhile (its checkpoint is the one
    /// served now, and holding an older one would drop what that round holds).
    private func hold(_ line: String, witness: Int, for note: String) async {
        guard note == roundNote else { return }
        await held.hold(line, witness: witness, for: note)
    }
}

enum QuorumCosignerError: Error, CustomStringConvertible {
    case noQuorum(String)

    var description: String {
        switch self {
        case .noQuorum(let why): "no checkpoint covering the entry met the agency's witness quorum: \(why)"
        }
    }
}
