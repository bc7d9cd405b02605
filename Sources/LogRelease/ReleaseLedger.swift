import DurableFiles
import Foundation
import OwnThread

/// SPEC §5 check 4, one entry one release: the indexes of the `data.requested` entries data was
/// released for, one decimal a line, each on disk before the data leaves. A retry after a lost
/// answer logs a new entry, so a second release for one entry is a replay.
///
/// Claims that arrive while a write is on its way to disk go to disk together in the next one (one
/// append, one fsync), on a thread of its own: an fsync takes milliseconds on ordinary disks, and
/// one per release, in turn, capped the agency at a few hundred releases a second.
public actor ReleaseLedger {
    private let path: String
    private let directory: String
    /// Every index recorded, and those on their way to disk: a second claim for one of these is
    /// refused at once, so two racing claims for one entry never both release.
    private var released: Set<UInt64>
    /// Claims waiting for the next write.
    private var waiting: [(index: UInt64, recorded: CheckedContinuation<Void, any Error>)] = []
    private var writing = false
    /// Whether the file's directory entry is known to be on disk: then an append need not sync the directory.
    private var fileIsDurable: Bool

    /// Reads the ledger at `path` (none yet is an empty one). An unterminated last line is a write a
    /// crash cut short, before its release happened: it is cut off the file, since the next append
    /// would otherwise run on from it and make one line of it and the next index (a torn `8` and a
    /// later `5` read back as `85`, and entry 5 could be released again after another restart). Any
    /// other unreadable line refuses.
    public init(path: String) throws(ReleaseLedgerError) {
        self.path = path
        directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        released = []
        fileIsDurable = false
        guard FileManager.default.fileExists(atPath: path) else { return }
        guard let bytes = FileManager.default.contents(atPath: path) else { throw .unreadable(path: path, reason: "it cannot be read") }
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let torn = lines.removeLast()
        if !torn.isEmpty {
            do {
                try DurableFile.append(path, [], after: bytes.count - torn.count)
            } catch {
                throw .unreadable(path: path, reason: "its unfinished last line cannot be cut off: \(error)")
            }
        }
        for (number, line) in lines.enumerated() {
            guard let index = UInt64(String(decoding: line, as: UTF8.self)), String(index).utf8.elementsEqual(line) else {
                throw .unreadable(path: path, reason: "line \(number + 1) is not an entry index")
            }
            released.insert(index)
        }
    }

    /// Records the release for the entry at `index`, or refuses when one was recorded before.
    public func claim(_ index: UInt64) async throws(ReleaseRefusal) {
        guard !released.contains(index) else {
            throw ReleaseRefusal(.release, "data was released for the data.requested entry \(index) before; a new fetch logs a new entry")
        }
        released.insert(index)
        do {
            try await withCheckedThrowingContinuation { (recorded: CheckedContinuation<Void, any Error>) in
                waiting.append((index, recorded))
                if !writing {
                    writing = true
                    Task { await self.writeWaiting() }
                }
            }
        } catch {
            // Not released, since it could not be recorded.
            throw ReleaseRefusal(.release, "the release could not be recorded: \(error)")
        }
    }

    /// Writes what waits, one batch after another, until nothing does.
    private func writeWaiting() async {
        while !waiting.isEmpty {
            let batch = waiting
            waiting = []
            let bytes = Array(batch.map { "\($0.index)\n" }.joined().utf8)
            let (path, directory, syncDirectory) = (path, directory, !fileIsDurable)
            do {
                try await onOwnThread { () throws(DurableFile.Failure) in
                    try DurableFile.append(path, in: directory, bytes, syncDirectory: syncDirectory)
                }
                fileIsDurable = true
                for claim in batch { claim.recorded.resume() }
            } catch {
                // A line that reached the file anyway only refuses that entry later, which is safe.
                for claim in batch {
                    released.remove(claim.index)
                    claim.recorded.resume(throwing: error)
                }
            }
        }
        writing = false
    }
}

public enum ReleaseLedgerError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "the release ledger \(path) cannot be used: \(reason)"
        }
    }
}
