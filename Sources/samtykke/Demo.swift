import ArgumentParser
import Foundation
import SamtykkeApp
import SamtykkeDemo

/// The whole flow on this machine, each step printed (`DemoFlow`).
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the whole consent flow end to end on this machine.")

    @Option(help: "The people file (default Fixtures/people.json).")
    var fixtures: String?
    @Option(help: "Keep the demo's files here instead of a temporary directory that is removed.")
    var keep: String?

    /// The citizen's browser, when this runs on a terminal of a desktop (`$BROWSER`, or a display for `xdg-open`).
    static var browser: (@Sendable (String) -> Bool)? {
        let environment = ProcessInfo.processInfo.environment
        let hasBrowser = [environment["BROWSER"], environment["DISPLAY"], environment["WAYLAND_DISPLAY"]].contains { !($0 ?? "").isEmpty }
        guard hasBrowser, isatty(STDOUT_FILENO) == 1 else { return nil }
        return { @Sendable url in openBrowser(url) }
    }

    mutating func validate() throws {
        try Env.fill(&fixtures, "fixtures")
    }

    func run() async throws {
        try await reportingErrors {
            let work = URL(fileURLWithPath: keep ?? NSTemporaryDirectory()).appendingPathComponent(keep == nil ? "samtykke-demo-\(UUID().uuidString.prefix(8))" : "")
            defer { if keep == nil { try? FileManager.default.removeItem(at: work) } }
            // The citizen's steps run this same executable, so the demo shows the real CLI.
            let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
            try await DemoFlow(work: work, fixtures: fixtures ?? "Fixtures/people.json", executable: executable, browser: Self.browser) { line in
                switch line {
                case .step(let text): print("\n==> \(text)")
                case .detail(let text): print("    \(text)")
                }
            }.run()
        }
    }
}
