import ArgumentParser
import ChildProcess
import CitizenClient
import Foundation
import SamtykkeCore

/// `samtykke login` and `logout` (SPEC §2b): the citizen's session, kept for the consent commands.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Log in as a citizen at the broker's ID provider; the consent commands then need neither --server nor a token.",
        discussion: """
            Prints an address to open in a browser (and opens one: $BROWSER, else xdg-open, when there is one), and waits \
            for the ID provider to send the browser back to this program on 127.0.0.1. The session lasts as long as the \
            broker says (30 minutes) and is kept in $XDG_CONFIG_HOME/samtykke/session.json (default ~/.config), mode 0600.
            """
    )

    @Option(help: "The broker's URL, e.g. http://127.0.0.1:8080.")
    var server: HTTPURL?
    @Option(help: "A PEM file of a CA to trust for the ID provider beside the system's (development: a dev PKI's ca.pem).")
    var idCa: String?

    mutating func validate() throws {
        try Env.require(&server, "server")
        try Env.fill(&idCa, "id-ca")
    }

    func run() async throws {
        try await speakingAsCitizen(verbose: false) { strings in
            let ca = try idCa.map { path in
                guard let pem = FileManager.default.contents(atPath: path) else { throw CLIError("--id-ca \(path) cannot be read") }
                return Array(pem)
            }
            let session = try await TerminalLogin(server: server!.description, providerCA: ca).run(strings: strings) { url in
                // Written straight out, not through print's buffer: whoever reads it waits for the URL.
                FileHandle.standardOutput.write(Data("\(strings.openToLogIn)\n\(url)\n".utf8))
                openBrowser(url)
            }
            try SessionFile(environment: ProcessInfo.processInfo.environment).save(session)
            print(strings.loggedIn(FreeText.escaped(session.server), LocalTime.text(session.expiresAt, in: .current)))
        }
    }
}

struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout", abstract: "End the session of `samtykke login` at the broker and forget it."
    )

    func run() async throws {
        try await speakingAsCitizen(verbose: false) { strings in
            let file = SessionFile(environment: ProcessInfo.processInfo.environment)
            if let session = file.load() { try await TerminalLogin.logout(session) }
            try file.delete()
            print(strings.loggedOut)
        }
    }
}

/// `$BROWSER`, else `xdg-open`, when there is one: started and left to itself, its output discarded,
/// so a browser that runs long (or a text one) never holds up the login.
/// Whether one was started.
@discardableResult
func openBrowser(_ url: String) -> Bool {
    let environment = ProcessInfo.processInfo.environment
    let candidates = [environment["BROWSER"], "xdg-open"].compactMap { $0 }.filter { !$0.isEmpty }
    for candidate in candidates {
        guard let executable = try? Command.resolve(candidate) else { continue }
        return (try? Spawn.start(executable, [url], cwd: nil, environment: environment, stdout: "/dev/null", stderr: nil)) != nil
    }
    return false
}
