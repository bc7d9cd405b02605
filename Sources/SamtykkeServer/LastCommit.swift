import Synchronization

/// When this instance last committed to the log, for `samtykke_log_checkpoint_age_seconds`: every
/// commit signs a checkpoint, so this is the age of the newest checkpoint this instance signed
/// (counted from start-up before the first one).
final class LastCommit: Sendable {
    private let at = Mutex(ContinuousClock.now)

    func mark() { at.withLock { $0 = .now } }

    var age: Duration { at.withLock { $0 }.duration(to: .now) }
}
