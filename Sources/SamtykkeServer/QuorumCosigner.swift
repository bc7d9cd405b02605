import Foundation
import SamtykkeStore
import TransparencyLog
import Witness

/// A checkpoint covering an entry, cosigned by enough witnesses to meet the agency's log policy
/// (SPEC §5), as soon as one can be had rather than at the witnesses' next second.
///
/// Rounds, like the log's group commit: one at a time, each submitting the log's newest checkpoint
/// to every witness at once; callers arriving meanwhile wait for it, and any whose entry it covers
/// take its answer. Rounds are the only submissions to the witnesses while release is on (the
/// witness loops ask for them too), so a witness is never asked about an older checkpoint than one
/// it already cosigned.
actor QuorumCosigner {
    struct Cosigned: Sendable {
        /// The log-signed checkpoint with the cosignature lines appended.
        let note: String
        let size: UInt64
        /// Why a witness gave no cosignature this round, by its place in `witnesses`.
        let failures: [Int: String]
    }

    private let store: any Store
    private let upperLevels: UpperTreeLevels
    private let witnesses: [WitnessClient]
    private let held: HeldCosignatures
    private let policy: AgencyLogPolicy
    private var newest: Cosigned?
    private var round: Task<Cosigned, any Error>?

    init(store: any Store, upperLevels: UpperTreeLevels, witnesses: [WitnessClient], held: HeldCosignatures, policy: AgencyLogPolicy) {
        self.store = store
        self.upperLevels = upperLevels
        self.witnesses = witnesses
        self.held = held
        self.policy = policy
    }

    /// The newest cosigned checkpoint of at least `size` entries that meets the quorum. Waits for
    /// at most a few rounds (starting at most two: a witness that another instance moved ahead of
    /// the checkpoint one read is asked again), then throws the last round's failure.
    func cosigned(covering size: UInt64) async throws -> Cosigned {
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
        let receipts = LogReceipts(store: store, upperLevels: upperLevels)
        let witnesses = witnesses
        let answers = await withTaskGroup(of: (Int, Result<String, any Error>).self) { group in
            for (index, witness) in witnesses.enumerated() {
                group.addTask {
                    do {
                        let cosignature = try await witness.submit(note) { try await receipts.consistencyProof(from: $0, to: $1) }
                        return (index, .success(cosignature.line))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var answers: [Int: Result<String, any Error>] = [:]
            for await (index, answer) in group { answers[index] = answer }
            return answers
        }
        var lines: [Int: String] = [:]
        var failures: [Int: String] = [:]
        for (index, answer) in answers {
            switch answer {
            case .success(let line):
                lines[index] = line
                await held.hold(line, witness: index, for: note)
            case .failure(let error):
                failures[index] = "\(error)"
            }
        }
        let cosigned = note + lines.sorted { $0.key < $1.key }.map(\.value).joined()
        guard policy.isMet(by: cosigned) else {
            throw QuorumCosignerError.noQuorum(failures.sorted { $0.key < $1.key }.map { "witness \($0.key + 1) did not cosign: \($0.value)" }.joined(separator: "; "))
        }
        let result = Cosigned(note: cosigned, size: checkpoint.size, failures: failures)
        if result.size > newest?.size ?? 0 || newest == nil { newest = result }
        return result
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
