import DurableFiles
import Foundation
import TransparencyLog

/// The checkpoint this witness last cosigned for each log, one file per origin in a directory.
///
/// A file is named after the SHA-256 of its origin, since origins are URLs with slashes, and holds
/// the checkpoint's three lines, which repeat the origin so a misplaced file is noticed.
struct WitnessStateStore: Sendable {
    let directory: String

    /// Creates the directory (owner-only) if it is missing.
    init(directory: String) throws(WitnessStateError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .unreadable(path: directory, reason: "cannot create the state directory: \(error.localizedDescription)")
        }
        self.directory = directory
    }

    func loadAll() throws(WitnessStateError) -> [String: Checkpoint] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw .unreadable(path: directory, reason: error.localizedDescription)
        }
        var checkpoints: [String: Checkpoint] = [:]
        // A leftover ".tmp" is a replace that crashed before its rename: the old file still stands.
        for name in names.sorted() where name.hasSuffix(Self.suffix) {
            let path = directory + "/" + name
            let checkpoint: Checkpoint
            do {
                checkpoint = try Checkpoint(parsing: String(contentsOfFile: path, encoding: .utf8))
            } catch {
                throw .unreadable(path: path, reason: "\(error)")
            }
            guard fileName(for: checkpoint.origin) == name else {
                throw .unreadable(path: path, reason: "it holds a checkpoint of \(checkpoint.origin), another log")
            }
            checkpoints[checkpoint.origin] = checkpoint
        }
        return checkpoints
    }

    func save(_ checkpoint: Checkpoint) throws(WitnessError) {
        do {
            try DurableFile.replace(directory + "/" + fileName(for: checkpoint.origin), in: directory, with: Array(checkpoint.body.utf8))
        } catch {
            throw .stateNotSaved(error.description)
        }
    }

    private static let suffix = ".checkpoint"

    private func fileName(for origin: String) -> String {
        Hash(sha256Of: Array(origin.utf8)).hex + Self.suffix
    }
}
