import CurlHTTP
import Foundation
import MockTaxAgency
import ChildProcess
import TestSupport
import SamtykkeCore
import SamtykkeJOSE
import SamtykkeServer
import Synchronization
import Testing

/// Paths of the package being tested.
enum Package {
    static let root = TestFiles.packageRoot
    static let fixtures = TestFiles.fixtures

    /// The `samtykke` binary `swift test` built next to the test runner.
    static var binary: URL {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = runner.deletingLastPathComponent()
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("samtykke")
            if FileManager.default.isExecutableFile(atPath: candidate.path), !candidate.hasDirectoryPath { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug/samtykke")
    }
}

/// Runs `body`, then `cleanup` whether it threw or not, and waits for both: a stop left to a
/// `defer { Task { … } }` would leave a server running into the next test.
func withCleanup<T>(_ body: () async throws -> T, cleanup: () async -> Void) async throws -> T {
    do {
        let result = try await body()
        await cleanup()
        return result
    } catch {
        await cleanup()
        throw error
    }
}

/// The people of the fixtures, read and checked as the mock agency reads them.
func fixturePeople() throws -> [FixturePerson] {
    try PeopleFixtures(contentsOf: Package.fixtures).people
}

/// An HTTP answer from the broker, decoded as JSON when it is JSON.
struct Answer {
    let status: Int
    let body: [UInt8]
    let headers: [CurlHeader]

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
}

/// A party talking to the broker over real HTTP through libcurl.
struct Caller {
    let server: String
    let credential: String?
    let client = CurlClient(configuration: CurlClientConfiguration(
        connectTimeout: .seconds(5), totalTimeout: .seconds(30), tls: nil, maxConcurrentRequests: 8,
        allowedProtocols: .httpAndHTTPS, userAgent: "samtykke-tests"
    ))

    func send(_ method: String, _ path: String, body: Any? = nil, raw: [UInt8]? = nil, headers: [CurlHeader] = []) async throws -> Answer {
        var all = headers
        if let credential { all.append(CurlHeader(name: "Authorization", value: "Bearer \(credential)")) }
        var bytes = raw
        if let body { bytes = Array(try JSONSerialization.data(withJSONObject: body)) }
        if bytes != nil { all.append(CurlHeader(name: "Content-Type", value: "application/json")) }
        let response = try await client.execute(CurlRequest(method: method, url: server + path, headers: all, body: bytes))
        return Answer(status: response.status, body: response.body, headers: response.headers)
    }
}

/// Runs the `samtykke` binary from the package root, with no `SAMTYKKE_` setting but `environment`.
func runCLI(_ arguments: [String], environment: [String: String] = [:]) async throws -> CommandResult {
    try await Command.run(Package.binary.path, arguments, cwd: Package.root.path, environment: plainTerminal.merging(environment) { $1 })
}

/// English and an unknown width, whatever the shell running the tests has: the citizen's commands
/// speak the language of LC_ALL, LC_MESSAGES or LANG and fit COLUMNS. A test sets its own on top.
/// No `samtykke login` session of whoever runs the tests either: XDG_CONFIG_HOME names no directory.
let plainTerminal = ["LANG": "C.UTF-8", "LC_ALL": "", "LC_MESSAGES": "", "COLUMNS": "", "XDG_CONFIG_HOME": "/nonexistent/samtykke-tests"]
