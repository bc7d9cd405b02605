import Foundation
import Logging
import ServiceLifecycle

/// What a background service (the webhook engine, the witness submitter, the sweepers) is given by
/// the application it runs beside. They live in targets of their own, so this target never links
/// libcurl; the composition root hands `buildApplication` the ones a broker runs, each holding what
/// it uses of the broker.
package struct BackgroundContext: Sendable {
    /// Opens once the store is prepared; background work waits for it before touching a table.
    package let prepared: StartupGate
    /// A failure while the database is down is not logged again: the database's line says it.
    package let database: DependencyHealth
    /// One per witness, in `Broker.witnessURLs` order.
    package let witnesses: [DependencyHealth]
    package let logger: Logger
}

/// Makes one background service of a broker's application from what the application gives it.
package typealias BackgroundService = @Sendable (BackgroundContext) -> any Service

/// With `--agency-log-policy`: a checkpoint covering an entry, cosigned by enough witnesses to meet
/// the agency's quorum (SPEC §5). The witness submitter implements it over its witness clients.
package protocol CheckpointCosigner: Sendable {
    /// The newest cosigned checkpoint of at least `size` entries that meets the quorum.
    func cosigned(covering size: UInt64) async throws -> QuorumCheckpoint
}

package struct QuorumCheckpoint: Sendable {
    /// The log-signed checkpoint with the cosignature lines appended.
    package let note: String
    package let size: UInt64
    /// Each witness's submission of the round, by its place in the witness list: why it gave no
    /// cosignature, or nil when it gave one.
    package let submissions: [Int: Task<String?, Never>]

    package init(note: String, size: UInt64, submissions: [Int: Task<String?, Never>]) {
        self.note = note
        self.size = size
        self.submissions = submissions
    }

    /// Why `witness` gave no cosignature this round, waiting for its answer if it had not answered
    /// when the quorum was met; nil when it cosigned.
    package func failure(ofWitness witness: Int) async -> String? {
        await submissions[witness]?.value ?? nil
    }
}
