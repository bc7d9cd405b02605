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
    /// Its name, in the state file's folder.
    let file: String
    let bytes: Int
    let entries: Int

    /// The entries it holds, or nil when it is shorter than the state says or is not what `save`
    /// wrote.
    func read(in folder: URL) -> [CitizenLogEntry]? {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent(file)), data.count >= bytes else { return nil }
        let history = Array(data.prefix(bytes))
        var read: [CitizenLogEntry] = []
        read.reserveCapacity(entries)
        var at = 0
        while at < history.count {
            guard let end = history[at...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            var past = at
            if let line = CitizenHistoryJSON.read(history, at: &past), past == end {
                read += line
            } else {
                // A line with an escape in it: the hand reader leaves those to the decoder.
                guard let line = try? StateFile.decoder.decode([CitizenLogEntry].self, from: Data(history[at..<end])) else { return nil }
                read += line
            }
            at = end + 1
        }
        return read.count == entries ? read : nil
    }

    /// Keeps `entries` in `folder`, beside the state file `stateName`: appended to `earlier` (the file
    /// the run read, with what it held) when they only add to it, otherwise in a new file, which the
    /// caller's state then names.
    static func save(
        _ entries: [CitizenLogEntry], in folder: URL, stateName: String, after earlier: (file: CitizenHistoryFile, entries: [CitizenLogEntry])?
    ) throws -> CitizenHistoryFile {
        if let earlier, entries.count >= earlier.entries.count, entries[..<earlier.entries.count].elementsEqual(earlier.entries),
            let handle = FileHandle(forUpdatingAtPath: folder.appendingPathComponent(earlier.file.file).path)
        {
            defer { try? handle.close() }
            let added = line(entries[earlier.entries.count...])
            try handle.truncate(atOffset: UInt64(earlier.file.bytes))
            try handle.seekToEnd()
            try handle.write(contentsOf: added)
            try handle.synchronize()
            return CitizenHistoryFile(file: earlier.file.file, bytes: earlier.file.bytes + added.count, entries: entries.count)
        }
        let file = "\(stateName)\(namePart)\(RandomBytes.hex(8))"
        let all = line(entries[...])
        let path = folder.appendingPathComponent(file).path
        guard FileManager.default.createFile(atPath: path, contents: Data(all), attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forUpdatingAtPath: path)
        else { throw CocoaError(.fileWriteUnknown) }
        defer { try? handle.close() }
        try handle.synchronize()
        return CitizenHistoryFile(file: file, bytes: all.count, entries: entries.count)
    }

    /// Between a state file's name and a history's random part: the files `removeOthers` may remove.
    private static let namePart = ".history-"

    /// Removes the histories of the state file `stateName` other than `kept`: one a run replaced,
    /// or wrote before it failed to save its state.
    static func removeOthers(in folder: URL, stateName: String, kept: CitizenHistoryFile) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names where name.hasPrefix(stateName + namePart) && name != kept.file {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
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
