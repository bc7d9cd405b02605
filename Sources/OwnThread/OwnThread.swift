import Foundation

/// Runs `body`, which blocks (waits for a child process, resolves a name, runs openssl), on a
/// thread of its own and resumes the caller with what it returned.
///
/// Not on a dispatch queue: on Linux, Swift's tasks run on the same global default-QoS threads as
/// `DispatchQueue.global()`, a pool as wide as the machine has cores, which grows only about once a
/// second while its threads are blocked. Each blocking call there took one of the two threads every
/// task of the process shares on these machines (a full test run stalled its brokers for 18 s).
public func onOwnThread<T: Sendable, Failure: Error>(_ body: @escaping @Sendable () throws(Failure) -> T) async throws(Failure) -> T {
    let result: Result<T, Failure> = await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: Result { () throws(Failure) in try body() }) }
        thread.name = "samtykke-blocking"
        thread.start()
    }
    return try result.get()
}
