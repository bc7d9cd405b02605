import SamtykkeServer
import SamtykkeStore
import ServiceLifecycle
import Tracing
import Witness

/// Submits the newest checkpoint to every witness, at most once a second each, and holds the
/// cosignatures they answer for `/v1/audit/checkpoint` to serve.
///
/// Each witness has its own loop, so a slow or dead one delays nobody else; a failure is retried
/// with exponential backoff up to ten seconds: with release against the log `/readyz` follows these
/// loops, so a witness that is back must count again within seconds, and one failed request every
/// ten seconds costs nothing. Nothing else waits on this: bundles and receipts are issued whether
/// or not any witness answers.
package struct WitnessService: Service, CustomStringConvertible {
    let witnesses: [WitnessClient]
    let store: any LogStore
    /// The consistency proofs the witnesses ask for.
    let receipts: LogReceipts
    /// With release against the log: the quorum rounds, which then do all the submitting.
    let cosigner: (any CheckpointCosigner)?
    /// Where the cosignatures are held for the checkpoint routes.
    let cosignatures: HeldCosignatures
    /// Where each submission finds the request whose trace it continues.
    let traceOrigins: TraceOrigins
    let prepared: StartupGate
    /// One per witness, in `witnesses` order: `samtykke_witness_up` and the log's word on each.
    let witnessHealth: [DependencyHealth]

    /// `witnesses` in `Broker.witnessURLs` order.
    package init(
        _ context: BackgroundContext, witnesses: [WitnessClient], store: any LogStore, receipts: LogReceipts, cosigner: (any CheckpointCosigner)?,
        cosignatures: HeldCosignatures, traceOrigins: TraceOrigins
    ) {
        self.witnesses = witnesses
        self.store = store
        self.receipts = receipts
        self.cosigner = cosigner
        self.cosignatures = cosignatures
        self.traceOrigins = traceOrigins
        prepared = context.prepared
        witnessHealth = context.witnesses
    }

    package var description: String { "WitnessService" }

    static let interval: Duration = .seconds(1)
    static let maxBackoff: Duration = .seconds(10)

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            await prepared.wait()
            await withDiscardingTaskGroup { group in
                for (index, witness) in witnesses.enumerated() {
                    group.addTask { await follow(witness, index: index, health: witnessHealth[index]) }
                }
            }
        }
    }

    private func follow(_ witness: WitnessClient, index: Int, health: DependencyHealth) async {
        var backoff: Duration?
        while !Task.isCancelled {
            do {
                if let cosigner {
                    // Release against the log: the cosigner's rounds are the only submissions.
                    if let checkpoint = try await store.logHead().checkpoint, !(await cosignatures.holds(witness: index, for: checkpoint.note)),
                        let failure = await (try await cosigner.cosigned(covering: checkpoint.size)).failure(ofWitness: index)
                    {
                        throw WitnessRoundFailure(description: failure)
                    }
                } else if let checkpoint = try await store.logHead().checkpoint, !(await cosignatures.holds(witness: index, for: checkpoint.note)) {
                    let note = checkpoint.note
                    // Traced under the request that appended the checkpoint's newest entry.
                    let origin = traceOrigins.origin(ofLogIndex: checkpoint.size &- 1)
                    let cosignature = try await withSpan("witness submission", context: origin, ofKind: .client) { _ in
                        try await witness.submit(note) { try await receipts.consistencyProof(from: $0, to: $1) }
                    }
                    await cosignatures.hold(cosignature.line, witness: index, for: note)
                }
                backoff = nil
                await health.observe(nil)
            } catch is CancellationError {
                return
            } catch {
                backoff = min((backoff ?? .milliseconds(500)) * 2, Self.maxBackoff)
                // Logged once when the witness starts failing, once when it is back.
                await health.observe("did not cosign: \(error)")
            }
            try? await Task.sleep(for: backoff ?? Self.interval)
        }
    }
}

/// Why a witness gave no cosignature in the cosigner's round.
private struct WitnessRoundFailure: Error, CustomStringConvertible {
    let description: String
}
