import DevPKI
import Foundation

/// PKIs shared by the tests of one process: making one costs a dozen openssl runs, and nothing
/// mutates them. `other` plays an unrelated CA whose certificates and keys must all be refused.
public enum TestPKI {
    /// Each made once, on a thread of its own (`DevPKI.make` runs openssl), by whichever test asks first.
    public static let main = Task { () async throws(DevPKIError) -> PKIPaths in try await DevPKI.make(in: scratchDirectory("main")) }
    public static let other = Task { () async throws(DevPKIError) -> PKIPaths in try await DevPKI.make(in: scratchDirectory("other")) }

    /// A copy of `main` at `directory`, for a test whose servers read a PKI directory of their own
    /// (and may change it): copying costs nothing next to the openssl runs of a new one, which were
    /// a twelfth of a whole test run's CPU.
    public static func copyOfMain(at directory: URL) async throws -> PKIPaths {
        try await copy(main, to: directory)
    }

    /// A copy of `other` at `directory`: keys and certificates unrelated to `main`'s.
    public static func copyOfOther(at directory: URL) async throws -> PKIPaths {
        try await copy(other, to: directory)
    }

    private static func copy(_ pki: Task<PKIPaths, any Error>, to directory: URL) async throws -> PKIPaths {
        // The copy keeps each file's mode: the private keys stay readable by their owner only.
        try FileManager.default.copyItem(at: try await pki.value.directory, to: directory)
        return PKIPaths(directory: directory)
    }

    /// One directory per test process, removed when the process exits so runs leave no keys behind.
    private static let root: URL = {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("samtykke-test-\(UUID().uuidString.lowercased())")
        try? FileManager.default.createDirectory(at: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        atexit { try? FileManager.default.removeItem(at: TestPKI.root) }
        return root
    }()

    public static func scratchDirectory(_ label: String) -> URL {
        root.appendingPathComponent("\(label)-\(UUID().uuidString.lowercased())")
    }
}

/// Paths of the package being tested.
public enum TestFiles {
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The people the mock agency serves.
    public static let fixtures = packageRoot.appendingPathComponent("Fixtures/people.json").path
}
