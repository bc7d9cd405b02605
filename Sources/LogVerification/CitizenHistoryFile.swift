import DurableFiles
import Foundation
import SamtykkeCore

/// Where a citizen's verified history lies: a file beside the state file, one line for each run
/// that found entries, each line a JSON array as `CitizenHistoryJSON` writes it. The state file
/// names it and says how many of its bytes (and entries) are the history, so bytes a run appended
/// before it failed to save its state are not part of it, and the next run cuts them off.
///
/// A run that only adds entries appends one line; one that changes an earlier entry (a consent
/// forgotten since) writes a new file under a new name. Kept in the state file itself, the whole
/// history was written again on every run: tens of megabytes for a long one, where a second run
/// had a handful of entries to add (issue 27 point 7).
struct CitizenHistoryFile: Codable, Sendable, Hashable {
    /// Its name, in the state file's folder: the state file's name, `.history-` and 16 hex digits.
    let file: String
    let bytes: Int
    let entries: Int

    /// The entries it holds beside `stateFile`, or nil when it is not one of that state file's
    /// histories, is shorter than the state says, or is not what `save` wrote.
    func read(beside stateFile: URL, decoder: JSONDecoder) -> [CitizenLogEntry]? {
        guard Self.isHistory(file, of: stateFile), bytes >= 0, entries >= 0,
            let data = try? Data(contentsOf: stateFile.deletingLastPathComponent().appendingPathComponent(file)), data.count >= bytes
        else { return nil }
        let history = Array(data.prefix(bytes))
        var read: [CitizenLogEntry] = []
        var at = 0
        while at < history.count {
            guard let end = history[at...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            var past = at
            if let line = CitizenHistoryJSON.read(history, at: &past), past == end {
                read += line
            } else {
                // A line with an escape in it: the hand reader leaves those to the decoder.
                guard let line = try? decoder.decode([CitizenLogEntry].self, from: Data(history[at..<end])) else { return nil }
                read += line
            }
            at = end + 1
        }
        return read.count == entries ? read : nil
    }

    /// Keeps `entries` beside `stateFile`: appended to `earlier` (the history the state file names,
    /// with the entries it holds) when they only add to it, otherwise in a new file. Either is on
    /// disk when this returns; the caller's state file then names it.
    static func save(
        _ entries: [CitizenLogEntry], beside stateFile: URL, after earlier: (file: CitizenHistoryFile, entries: [CitizenLogEntry])?
    ) throws -> CitizenHistoryFile {
        let folder = stateFile.deletingLastPathComponent()
        if let earlier, entries.count >= earlier.entries.count, entries[..<earlier.entries.count].elementsEqual(earlier.entries) {
            let added = line(entries[earlier.entries.count...])
            try DurableFile.append(folder.appendingPathComponent(earlier.file.file).path, added, after: earlier.file.bytes)
            return CitizenHistoryFile(file: earlier.file.file, bytes: earlier.file.bytes + added.count, entries: entries.count)
        }
        let file = stateFile.lastPathComponent + namePart + RandomBytes.hex(8)
        let all = line(entries[...])
        try DurableFile.replace(folder.appendingPathComponent(file).path, in: folder.path, with: all)
        return CitizenHistoryFile(file: file, bytes: all.count, entries: entries.count)
    }

    /// Removes the histories of `stateFile` other than `kept`: one a run replaced, or wrote before it
    /// failed to save its state.
    static func removeOthers(beside stateFile: URL, kept: CitizenHistoryFile) {
        let folder = stateFile.deletingLastPathComponent()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where isHistory(name, of: stateFile) && name != kept.file {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }

    private static let namePart = ".history-"

    /// Whether `name` is one `save` gives a history of `stateFile`: a name from the state file is
    /// never a path elsewhere.
    private static func isHistory(_ name: String, of stateFile: URL) -> Bool {
        let prefix = stateFile.lastPathComponent + namePart
        guard name.hasPrefix(prefix) else { return false }
        let suffix = name.utf8.dropFirst(prefix.utf8.count)
        return suffix.count == 16 && suffix.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }

    /// `entries` as one line: a JSON array and a line feed; nothing for none.
    private static func line(_ entries: ArraySlice<CitizenLogEntry>) -> [UInt8] {
        guard !entries.isEmpty else { return [] }
        var line: [UInt8] = []
        CitizenHistoryJSON.write(Array(entries), time: .iso8601, into: &line)
        line.append(UInt8(ascii: "\n"))
        return line
    }
}
