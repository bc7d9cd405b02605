import Foundation

/// A fresh directory under the system's temporary one, removed when `body` returns or throws.
public func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("samtykke-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    return try await body(dir)
}

/// `withTemporaryDirectory`, named by its path.
public func withTemporaryPath<T>(_ body: (String) async throws -> T) async throws -> T {
    try await withTemporaryDirectory { try await body($0.path) }
}
