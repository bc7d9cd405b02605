import Foundation

/// The throwaway PostgreSQL server `scripts/with-postgres` started (CI always does): a fresh
/// database per test, so tests run in parallel and never see each other, and raw SQL through
/// `psql`, as an operator's would go.
public enum PostgresTestServer {
    /// The server's maintenance database URL, when one runs.
    public static var url: String? {
        ProcessInfo.processInfo.environment["SAMTYKKE_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    public struct Refused: Error, CustomDebugStringConvertible {
        public let sql: String
        public let message: String
        public var debugDescription: String { "psql refused \(sql): \(message)" }
    }

    /// A new empty database; returns its URL.
    public static func createDatabase() throws -> String {
        guard let server = url, var parts = URLComponents(string: server) else {
            throw Refused(sql: "CREATE DATABASE", message: "SAMTYKKE_TEST_DATABASE_URL is not set: run the tests through scripts/with-postgres")
        }
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try psql(server, "CREATE DATABASE \(name)")
        parts.path = "/" + name
        return parts.string!
    }

    public static func dropDatabase(_ databaseURL: String) {
        guard let server = url, let name = URLComponents(string: databaseURL)?.path.dropFirst() else { return }
        try? psql(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    /// Runs `sql`; a refusal carries the server's message.
    public static func psql(_ databaseURL: String, _ sql: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = [databaseURL, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Refused(sql: sql, message: message) }
    }
}
