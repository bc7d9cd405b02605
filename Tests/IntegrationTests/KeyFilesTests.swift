import Foundation
import SamtykkeJOSE
import Testing
import TestSupport

/// Key files must be the running user's and 0600 or 0400, judged on the file a link points to: a
/// Kubernetes secret mount is a chain of links (`key` → `..data/key` → `..2024_…/key`).
@Suite(.heavy, .sameOnEveryBackend) struct KeyFilesTests {
    /// A secret mount as the kubelet lays it out, the key written with `mode`; returns the path
    /// the broker is given.
    static func secretMount(in dir: URL, mode: Int) throws -> String {
        let fm = FileManager.default
        let version = dir.appendingPathComponent("..2026_01_01_00_00_00.000000001")
        try fm.createDirectory(at: version, withIntermediateDirectories: true)
        let key = version.appendingPathComponent("client.key")
        try Data("not parsed here".utf8).write(to: key)
        try fm.setAttributes([.posixPermissions: mode], ofItemAtPath: key.path)
        try fm.createSymbolicLink(atPath: dir.appendingPathComponent("..data").path, withDestinationPath: version.lastPathComponent)
        let link = dir.appendingPathComponent("client.key").path
        try fm.createSymbolicLink(atPath: link, withDestinationPath: "..data/client.key")
        return link
    }

    @Test(arguments: [0o600, 0o400])
    func aLinkToAPrivateKeyIsAccepted(_ mode: Int) async throws {
        try await withTemporaryDirectory { dir in
            try KeyFiles.requirePrivate(try Self.secretMount(in: dir, mode: mode))
        }
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o700, 0o660])
    func aLinkToAKeyOthersCanReadIsRefused(_ mode: Int) async throws {
        try await withTemporaryDirectory { dir in
            let link = try Self.secretMount(in: dir, mode: mode)
            let target = URL(fileURLWithPath: link).resolvingSymlinksInPath().path
            #expect(throws: KeyFileError.readableByOthers("\(link) (a link to \(target))", mode: mode, target: target)) {
                try KeyFiles.requirePrivate(link)
            }
        }
    }

    @Test func aPlainFileIsJudgedTheSameWay() async throws {
        try await withTemporaryDirectory { dir in
            let key = dir.appendingPathComponent("plain.key").path
            #expect(FileManager.default.createFile(atPath: key, contents: Data(), attributes: [.posixPermissions: 0o600]))
            try KeyFiles.requirePrivate(key)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: key)
            #expect(throws: KeyFileError.readableByOthers(key, mode: 0o644, target: key)) { try KeyFiles.requirePrivate(key) }
        }
    }

    @Test func aDanglingLinkIsRefused() async throws {
        try await withTemporaryDirectory { dir in
            let link = dir.appendingPathComponent("gone.key").path
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "nowhere")
            #expect(throws: KeyFileError.missing(link)) { try KeyFiles.requirePrivate(link) }
        }
    }

    /// Only root can give a file away; elsewhere this has nothing to test.
    @Test(.enabled(if: geteuid() == 0)) func aKeyOfAnotherUserIsRefused() async throws {
        try await withTemporaryDirectory { dir in
            let link = try Self.secretMount(in: dir, mode: 0o600)
            let target = URL(fileURLWithPath: link).resolvingSymlinksInPath().path
            #expect(chown(target, 65534, 65534) == 0)
            #expect(throws: KeyFileError.notOwned("\(link) (a link to \(target))", owner: 65534, user: Int(geteuid()))) {
                try KeyFiles.requirePrivate(link)
            }
        }
    }
}
