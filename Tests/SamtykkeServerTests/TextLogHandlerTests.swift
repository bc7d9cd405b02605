import Logging
import SamtykkeApp
import Testing
import TestSupport

/// `serve`'s text log: text from callers (a token's header, a callback's query) reaches log lines,
/// and must not start lines of its own that read as the broker's.
@Suite(.sameOnEveryBackend) struct TextLogHandlerTests {
    @Test func aNewlineFromACallerCannotStartALineOfItsOwn() {
        let lines = CapturingLogHandler.Lines()
        var logger = Logger(label: "text-log-test") { _ in TextLogHandler(base: CapturingLogHandler(lines: lines)) }
        logger.logLevel = .info
        logger[metadataKey: "caller"] = "bank\r\nforged"
        logger.notice(
            "token request refused\nforged line",
            metadata: ["detail": "typ is x\ninfo : consent log entry", "count": .stringConvertible(3), "list": ["a\u{2028}b"]]
        )
        logger.debug("below the level")
        #expect(lines.all.count == 1)
        let line = lines.all.first ?? ""
        #expect(!line.contains("\n") && !line.contains("\r") && !line.contains("\u{2028}"), "\(line.debugDescription)")
        #expect(line.contains(#"token request refused\u{000A}forged line"#), "\(line)")
        #expect(line.contains(#"detail=typ is x\u{000A}info : consent log entry"#), "\(line)")
        #expect(line.contains(#"caller=bank\u{000D}\u{000A}forged"#) && line.contains("count=3") && line.contains("u{2028}"), "\(line)")
    }
}
