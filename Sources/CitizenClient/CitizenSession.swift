import DurableFiles
import Foundation

/// A broker session of `samtykke login` (SPEC §2b), kept for the consent commands: the broker it is
/// for, the opaque session token, and when the broker said it ends.
public struct CitizenSession: Codable, Sendable, Hashable {
    public let server: String
    public let session: String
    public let expiresAt: String

    public init(server: String, session: String, expiresAt: String) {
        self.server = server
        self.session = session
        self.expiresAt = expiresAt
    }
}

/// Where the session is kept: `$XDG_CONFIG_HOME/samtykke/session.json` (default `~/.config`), in a
/// directory only its owner may enter, the file mode 0600 and replaced whole, never half written.
public struct SessionFile: Sendable {
    public let directory: URL
    public var file: URL { directory.appendingPathComponent("session.json") }

    public init(directory: URL) { self.directory = directory }

    /// The XDG Base Directory rule: `XDG_CONFIG_HOME` when set to an absolute path, else `$HOME/.config`.
    public init(environment: [String: String]) {
        let configured = environment["XDG_CONFIG_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
        let base = configured ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.config")
        self.init(directory: URL(fileURLWithPath: base).appendingPathComponent("samtykke"))
    }

    /// The session, or nil when there is none (or it cannot be read: the citizen then logs in again).
    public func load() -> CitizenSession? {
        guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
        return try? JSONDecoder().decode(CitizenSession.self, from: data)
    }

    public func save(_ session: CitizenSession) throws(CitizenError) {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            try DurableFile.replace(file.path, in: directory.path, with: Array(try encoder.encode(session)))
        } catch {
            throw CitizenError(.sessionNotKept(file.path), detail: "\(error)")
        }
    }

    public func delete() throws(CitizenError) {
        do {
            if FileManager.default.fileExists(atPath: file.path) { try FileManager.default.removeItem(at: file) }
        } catch {
            throw CitizenError(.sessionNotKept(file.path), detail: "\(error)")
        }
    }
}
