import CurlHTTP
import Foundation
import Synchronization

/// Latency statistics of one measured window, in milliseconds.
struct Latency: Codable, Sendable {
    var count: Int
    var meanMs: Double
    var p50Ms: Double
    var p90Ms: Double
    var p99Ms: Double
    var maxMs: Double

    init(millis samples: [Double]) {
        let sorted = samples.sorted()
        count = sorted.count
        func rank(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            // Nearest rank: the smallest sample with at least p of all samples at or below it.
            return sorted[max(0, min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1))]
        }
        meanMs = sorted.isEmpty ? 0 : sorted.reduce(0, +) / Double(sorted.count)
        p50Ms = rank(0.50)
        p90Ms = rank(0.90)
        p99Ms = rank(0.99)
        maxMs = sorted.last ?? 0
    }
}

/// One closed-loop run at a fixed concurrency: `concurrency` clients, each sending its next request as
/// soon as the last one answered. Only requests that complete inside the measured window (after the
/// warm-up) count, for throughput and for latency; a request still unanswered a whole window after it
/// was sent, or failing after the window, counts as failed.
struct LoadResult: Codable, Sendable {
    var concurrency: Int
    var seconds: Double
    var succeeded: Int
    var failed: Int
    var throughput: Double
    var latency: Latency
    var failures: [String: Int]
    /// Requests that completed during warm-up or after the window (not counted above).
    var outsideWindow: Int
    /// True when the request source ran dry before the window ended (the window was shortened).
    var ranDry: Bool
}

/// Something observed at the start and the end of the measured window (CPU time, handshakes, ...).
struct WindowProbe: Sendable {
    let atStart: @Sendable () async -> [String: Double]
    let atEnd: @Sendable () async -> [String: Double]
}

enum LoadGenerator {
    struct WorkerResult: Sendable {
        var latencies: [Double] = []
        var failures: [String: Int] = [:]
        var outside = 0
        var lastCompletion: ContinuousClock.Instant?
        var ranDry = false
        var probeStart: [String: Double]?
        var probeEnd: [String: Double]?
    }

    /// `next(worker)` gives the request to send, or nil when there is nothing left to send; `accept`
    /// decides whether an answer counts as a success.
    static func run(
        concurrency: Int,
        warmup: Duration,
        measure: Duration,
        client: CurlClient,
        next: @escaping @Sendable (Int) -> CurlRequest?,
        accept: @escaping @Sendable (CurlResponse) -> Bool,
        probe: WindowProbe? = nil
    ) async -> (result: LoadResult, probeStart: [String: Double], probeEnd: [String: Double]) {
        let clock = ContinuousClock()
        let start = clock.now
        let windowStart = start + warmup
        let windowEnd = windowStart + measure

        let results = await withTaskGroup(of: WorkerResult.self) { group in
            if let probe {
                group.addTask {
                    try? await Task.sleep(until: windowStart, clock: clock)
                    var result = WorkerResult()
                    result.probeStart = await probe.atStart()
                    try? await Task.sleep(until: windowEnd, clock: clock)
                    result.probeEnd = await probe.atEnd()
                    return result
                }
            }
            for worker in 0..<concurrency {
                group.addTask {
                    var result = WorkerResult()
                    result.latencies.reserveCapacity(4096)
                    while clock.now < windowEnd {
                        guard let request = next(worker) else {
                            result.ranDry = true
                            break
                        }
                        let sent = clock.now
                        var failure: String?
                        do {
                            let response = try await client.execute(request)
                            if !accept(response) {
                                failure = "HTTP \(response.status)"
                            }
                        } catch {
                            // Numbers (ports, elapsed milliseconds) replaced, so one kind of failure is one key.
                            failure = String(String(describing: error).replacing(/[0-9]+/, with: "N").prefix(80))
                        }
                        let done = clock.now
                        // A request that was sent before the window closed and then failed, or took
                        // longer than the whole window to be answered, counts as failed wherever its end
                        // fell: a broker that stops answering must show as failures, not as a quiet
                        // window with nothing in it.
                        if done >= windowEnd, sent < windowEnd, failure != nil || done - sent > measure {
                            result.failures[failure ?? "unanswered within the \(measure.seconds) s window", default: 0] += 1
                            continue
                        }
                        guard done >= windowStart, done < windowEnd else {
                            result.outside += 1
                            continue
                        }
                        result.lastCompletion = max(result.lastCompletion ?? done, done)
                        if let failure {
                            result.failures[failure, default: 0] += 1
                        } else {
                            result.latencies.append((done - sent).seconds * 1000)
                        }
                    }
                    return result
                }
            }
            var all: [WorkerResult] = []
            for await result in group { all.append(result) }
            return all
        }

        let latencies = results.flatMap(\.latencies)
        var failures: [String: Int] = [:]
        for result in results { failures.merge(result.failures, uniquingKeysWith: +) }
        let ranDry = results.contains { $0.ranDry }
        // A source that ran dry ends the window early: count only the time requests were flowing.
        var seconds = measure.seconds
        if ranDry, let last = results.compactMap(\.lastCompletion).max() {
            seconds = max(0.001, (last - windowStart).seconds)
        }
        let failed = failures.values.reduce(0, +)
        let probeStart = results.compactMap(\.probeStart).first ?? [:]
        let probeEnd = results.compactMap(\.probeEnd).first ?? [:]
        return (
            LoadResult(
                concurrency: concurrency,
                seconds: seconds,
                succeeded: latencies.count,
                failed: failed,
                throughput: Double(latencies.count) / seconds,
                latency: Latency(millis: latencies),
                failures: failures,
                outsideWindow: results.map(\.outside).reduce(0, +),
                ranDry: ranDry
            ),
            probeStart,
            probeEnd
        )
    }
}

/// Hands out request numbers 0, 1, 2, ... up to a limit, across worker tasks.
final class Dispenser: Sendable {
    private let counter = Atomic<Int>(0)
    let limit: Int

    init(limit: Int) { self.limit = limit }

    func next() -> Int? {
        let n = counter.wrappingAdd(1, ordering: .relaxed).oldValue
        return n < limit ? n : nil
    }

    var handedOut: Int { min(limit, counter.load(ordering: .relaxed)) }
}
