import DevPKI
import Foundation

/// PKIs shared by the agency tests: making one costs a dozen openssl runs, and nothing mutates them.
/// `other` plays an unrelated CA whose certificates and keys must all be refused.
enum TestPKI {
    /// Each made once, on a thread of its own (`DevPKI.make` runs openssl), by whichever test asks first.
    static let main = Task { () throws(DevPKIError) in try await DevPKI.make(in: scratchDirectory("main")) }
    static let other = Task { () throws(DevPKIError) in try await DevPKI.make(in: scratchDirectory("other")) }

    /// One directory per test process, removed when the process exits so runs leave no keys behind.
    private static let root: URL = {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("samtykke-test-\(UUID().uuidString.lowercased())")
        try? FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: TestPKI.root) }
        return root
    }()

    static func scratchDirectory(_ label: String) -> URL {
        root.appendingPathComponent("\(label)-\(UUID().uuidString.lowercased())")
    }

    static var fixtures: String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/people.json").path
    }
}
