import DurableFiles
import Foundation
import SamtykkeCore
import TransparencyLog

/// What the monitor knows of the log, kept in one file so a restart resumes where it stopped:
/// the newest checkpoint it verified (the signed note, re-checked on load), the right edge of that
/// tree (enough to append without reading anything before it), each consent's state as its public
/// entries tell it, the consent tags whose entries broke the public rules (and the first rule each
/// broke), and, once it found the log forked or shrunk, why it stopped.
struct MonitorState: Sendable {
    /// Nil before the first checkpoint: the empty tree.
    var signedCheckpoint: String?
    var checkpoint: Checkpoint
    var rightEdge: [Hash]
    var consents: PublicInvariants
    var broken: [ConsentTag: String]
    var halted: String?

    static func empty(origin: String) -> MonitorState {
        // The origin is the log key's name, never empty and on one line.
        MonitorState(
            signedCheckpoint: nil, checkpoint: try! Checkpoint(origin: origin, size: 0, rootHash: MerkleHasher.emptyRoot),
            rightEdge: [], consents: PublicInvariants(), broken: [:], halted: nil)
    }

    private struct File: Codable {
        let logKey: String
        let checkpoint: String?
        let rightEdge: [String]
        /// Nil in the file of an older monitor, which kept only the tags of the consents that ended.
        let consents: PublicInvariants?
        let broken: [String: String]?
        let halted: String?
    }

    /// The state at `path`, or the empty tree when there is none yet. A file that exists but does not
    /// hold what `save` wrote for this log key is an error, never a silent fresh start.
    static func load(from path: String, log: LogPolicy.Log) throws(LogMonitorError) -> MonitorState {
        guard FileManager.default.fileExists(atPath: path) else { return .empty(origin: log.verifier.name) }
        func unreadable(_ why: String) -> LogMonitorError { .stateUnreadable(path: path, reason: why) }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw unreadable("it is not the state file the monitor writes")
        }
        guard file.logKey == log.verifierKey else { throw unreadable("it is the state of another log key, \(file.logKey)") }
        var state = MonitorState.empty(origin: log.verifier.name)
        if let signed = file.checkpoint {
            do { state.checkpoint = try Checkpoint.open(signed, verifier: log.verifier) } catch {
                throw unreadable("its checkpoint does not verify with the log key: \(error)")
            }
            state.signedCheckpoint = signed
        }
        let edge = file.rightEdge.compactMap(Hash.init(base64:))
        guard edge.count == file.rightEdge.count, let tree = try? MerkleTreeBuilder(size: state.checkpoint.size, rightEdge: edge),
            tree.root() == state.checkpoint.rootHash
        else { throw unreadable("its right edge is not that of its checkpoint's tree") }
        state.rightEdge = edge
        guard let consents = file.consents, let broken = file.broken else {
            throw unreadable("an older monitor wrote it, which kept only the consents that ended, not their terms: remove it to read the log again")
        }
        state.consents = consents
        do {
            for (tag, rule) in broken { state.broken[try ConsentTag(base64URL: tag, field: "broken")] = rule }
        } catch {
            throw unreadable("\(error)")
        }
        state.halted = file.halted
        return state
    }

    /// Replaces the file so that a crash or power loss leaves either this state or the one before it,
    /// from which the monitor reads the entries after it again (and checks them against it).
    func save(to path: String, log: LogPolicy.Log) throws(LogMonitorError) {
        let file = File(
            logKey: log.verifierKey, checkpoint: signedCheckpoint, rightEdge: rightEdge.map(\.base64),
            consents: consents, broken: Dictionary(uniqueKeysWithValues: broken.map { ($0.key.description, $0.value) }), halted: halted)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            let bytes = try encoder.encode(file)
            try DurableFile.replace(path, in: URL(fileURLWithPath: path).deletingLastPathComponent().path, with: Array(bytes))
        } catch {
            throw .stateNotSaved(path: path, reason: "\(error)")
        }
    }
}
