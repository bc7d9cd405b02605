/// Why the monitor could not answer. `halted` is final: the log showed a smaller or forked tree,
/// and the monitor stays stopped (across restarts) until someone looks; the others pass.
public enum LogMonitorError: Error, Equatable, Sendable, CustomStringConvertible {
    case halted(String)
    /// The log's checkpoint does not cover the tree a proof is about yet.
    case behind(logSize: UInt64, needed: UInt64)
    case unreachable(String)
    case badCheckpoint(String)
    case badTile(path: String)
    case stateUnreadable(path: String, reason: String)
    case stateNotSaved(path: String, reason: String)

    public var description: String {
        switch self {
        case .halted(let why): "the monitor stopped releasing: \(why)"
        case .behind(let logSize, let needed): "the log's checkpoint covers \(logSize) entries, the proof's tree \(needed)"
        case .unreachable(let why): "the log could not be read: \(why)"
        case .badCheckpoint(let why): "the log's checkpoint: \(why)"
        case .badTile(let path): "the log served no tile at \(path) of the width its checkpoint implies"
        case .stateUnreadable(let path, let reason): "the monitor state \(path) cannot be used: \(reason)"
        case .stateNotSaved(let path, let reason): "the monitor state \(path) was not saved: \(reason)"
        }
    }
}
