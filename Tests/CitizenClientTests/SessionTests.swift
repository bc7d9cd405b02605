import BrokerClient
@testable import CitizenClient
import Foundation
import SamtykkeCore
import Testing
import TestSupport

/// The session `samtykke login` keeps: where (XDG), how (0600 in a 0700 directory, whole), and which
/// credential a consent command then uses.
@Suite(.sameOnEveryBackend) struct SessionTests {
    static let kept = CitizenSession(server: "http://127.0.0.1:8080", session: "scs_abc", expiresAt: "2026-12-06T10:30:00Z")

    @Test func theFileIsUnderXDGConfigHomeElseHomeConfig() {
        #expect(SessionFile(environment: ["XDG_CONFIG_HOME": "/x/conf", "HOME": "/home/c"]).file.path == "/x/conf/samtykke/session.json")
        #expect(SessionFile(environment: ["HOME": "/home/c"]).file.path == "/home/c/.config/samtykke/session.json")
        // A relative XDG_CONFIG_HOME is invalid by the XDG specification and ignored.
        #expect(SessionFile(environment: ["XDG_CONFIG_HOME": "conf", "HOME": "/home/c"]).file.path == "/home/c/.config/samtykke/session.json")
    }

    @Test func itIsKeptOwnerOnlyAndForgotten() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("session-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let file = SessionFile(environment: ["XDG_CONFIG_HOME": root.path])
        #expect(file.load() == nil)
        try file.save(Self.kept)
        #expect(file.load() == Self.kept)
        #expect(try FileManager.default.attributesOfItem(atPath: file.file.path)[.posixPermissions] as? Int == 0o600)
        #expect(try FileManager.default.attributesOfItem(atPath: file.directory.path)[.posixPermissions] as? Int == 0o700)
        #expect(try FileManager.default.contentsOfDirectory(atPath: file.directory.path) == ["session.json"], "no temporary file left")
        try file.delete()
        #expect(file.load() == nil && !FileManager.default.fileExists(atPath: file.file.path))
        try file.delete()
    }

    @Test func explicitFlagsWinAndTheSessionFillsInOnlyForItsOwnBroker() throws {
        let session = try CitizenCredential.resolve(server: nil, idToken: nil, kept: Self.kept)
        #expect(session.server == Self.kept.server && session.credential == .session("scs_abc"))
        #expect(try CitizenCredential.resolve(server: "http://127.0.0.1:8080/", idToken: nil, kept: Self.kept).credential == .session("scs_abc"))
        let token = try CitizenCredential.resolve(server: "http://other:1", idToken: "eyJ", kept: Self.kept)
        #expect(token.server == "http://other:1" && token.credential == .idToken("eyJ"))
        #expect(try CitizenCredential.resolve(server: nil, idToken: "eyJ", kept: Self.kept).server == Self.kept.server)
        for (server, kept) in [("http://other:1", Self.kept), (nil, nil)] as [(String?, CitizenSession?)] {
            #expect(throws: CitizenError.self) { try CitizenCredential.resolve(server: server, idToken: nil, kept: kept) }
        }
        #expect(throws: CitizenError.self) { try CitizenCredential.resolve(server: nil, idToken: "eyJ", kept: nil) }
    }

    @Test func aRefusedSessionSaysToLogInAgainInTheCitizensLanguage() throws {
        let now = Date()
        let ended = CitizenError.from(BrokerClientError.status(401), credential: .session("scs_abc"), now: now)
        #expect(ended.sentence(.english, in: .current, now: now) == "Your login has ended. Log in again with samtykke login and try again.")
        #expect(ended.sentence(.bokmål, in: .current, now: now).contains("samtykke login"))
        let notLoggedIn = CitizenError(.notLoggedIn).sentence(.bokmål, in: .current, now: now)
        #expect(notLoggedIn.hasPrefix("Du er ikke logget inn.") && notLoggedIn.contains("samtykke login --server URL"))
    }

    @Test func theNonceIsReadOffTheIDTokensPayload() {
        let payload = Base64URL.encode(Array(#"{"nonce":"n-1","pid":"14830351257"}"#.utf8))
        #expect(TerminalLogin.nonce(of: "eyJhbGciOiJFUzI1NiJ9.\(payload).c2ln") == "n-1")
        #expect(TerminalLogin.nonce(of: "not a token") == nil)
    }

    @Test func formParametersDecodeOnceAndEncodeEveryReservedCharacter() {
        #expect(FormURLEncoded.decode("a=1&b=x+y%2Bz&a=2&c") == ["a": "1", "b": "x y+z", "c": ""])
        #expect(FormURLEncoded.encode([("redirect_uri", "http://127.0.0.1:9/?a=b&c"), ("x", "a b+")]) == "redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2F%3Fa%3Db%26c&x=a%20b%2B")
        #expect(FormURLEncoded.decode(FormURLEncoded.encode([("v", "ø & = +")])) == ["v": "ø & = +"])
    }
}
