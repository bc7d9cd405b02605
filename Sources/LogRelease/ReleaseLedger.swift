import DurableFiles
import Foundation

/// SPEC §5 check 4, one entry one release: the indexes of the `data.requested` entries data was
/// released for, one decimal a line, each on disk before the data leaves. A retry after a lost
/// answer logs a new entry, so a second release for one entry is a replay.
public actor ReleaseLedger {
    private let path: String
    private let directory: String
    private var released: Set<UInt64>

    /// Reads the ledger at `path` (none yet is an empty one). An unterminated last line is a write a
    /// crash cut short, before its release happened, and is dropped; any other unreadable line refuses.
    public init(path: String) throws(ReleaseLedgerError) {
        self.path = path
        directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        released = []
        guard FileManager.default.fileExists(atPath: path) else { return }
        guard let bytes = FileManager.default.contents(atPath: path) else { throw .unreadable(path: path, reason: "it cannot be read") }
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        lines.removeLast()
        for (number, line) in lines.enumerated() {
            guard let index = UInt64(String(decoding: line, as: UTF8.self)), String(index).utf8.elementsEqual(line) else {
                throw .unreadable(path: path, reason: "line \(number + 1) is not an entry index")
            }
            released.insert(index)
        }
    }

    /// Records the release for the entry at `index`, or refuses when one was recorded before.
    public func claim(_ index: UInt64) throws(ReleaseRefusal) {
        guard !released.contains(index) else {
            throw ReleaseRefusal(.release, "data was released for the data.requested entry \(index) before; a new fetch logs a new entry")
        }
        do {
            try DurableFile.append(path, in: directory, Array("\(index)\n".utf8))
        } catch {
            // Not released, since it could not be recorded.
            throw ReleaseRefusal(.release, "the release could not be recorded: \(error)")
        }
        released.insert(index)
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
