import Foundation
import ChildProcess
import TestSupport
import Testing

/// What a child started by the harness holds of this process: its three standard streams and no
/// more. SwiftNIO opens sockets without FD_CLOEXEC; a child that inherited them kept every
/// connection of the test process open, and a broker's close reached its client only when the child
/// ended.
@Suite(.heavy, .sameOnEveryBackend) struct SpawnTests {
    @Test func aChildInheritsNothingButItsStandardStreams() async throws {
        // Like NIO's: a socket, listening, with FD_CLOEXEC off.
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(socket >= 3)
        defer { close(socket) }
        #expect(fcntl(socket, F_GETFD) & FD_CLOEXEC == 0)
        #expect(listen(socket, 1) == 0)

        // `ls` lists the shell's descriptors (the shell opens none of its own for that).
        let listed = try await Command.run("/bin/sh", ["-c", "ls -l /proc/$$/fd"])
        #expect(listed.status == 0, "\(listed.stderr)")
        let entries = listed.stdout.split(separator: "\n").filter { $0.contains(" -> ") }
        let descriptors = Set(entries.compactMap { $0.split(separator: " -> ").first?.split(separator: " ").last.flatMap { Int($0) } })
        #expect(descriptors == [0, 1, 2], "\(entries)")
        #expect(!entries.contains { $0.contains("socket:") }, "\(entries)")
    }
}
