import Foundation
import SamtykkeCore
import Testing
import TestSupport
@testable import LogVerification

/// The citizen's history written and read by hand (issue 27 point 7) is what `JSONEncoder` and
/// `JSONDecoder` made of it: the same state after a round trip, older state files still read, and
/// the same `--json` entries.
@Suite(.sameOnEveryBackend) struct CitizenHistoryJSONTests {
    /// Alice's state after a first run, with entries of every kind the history holds (forgotten,
    /// opened, no actor) and one whose text needs escapes, which the fast reader leaves to the decoder.
    static func state(escaped: Bool) async throws -> CitizenLogState {
        let log = try SealedLog()
        guard case .verified(let verified) = try await ThreeVerificationsTests.citizen(log, SealedLog.alice) else {
            throw CitizenHistoryTestError()
        }
        let state = try #require(verified.state)
        guard escaped, let last = state.entries.last else { return state }
        let odd = CitizenLogEntry(
            index: last.index + 1, time: Date(timeIntervalSince1970: 1_790_000_000.5), type: .bundleRefused, consentTag: last.consentTag,
            consentId: nil, bankOrg: "9 \"8\"\\ø", actor: AuditEntry.Actor(kind: .system, id: "tab\there"), scopes: [], years: [], forgottenAt: 3
        )
        return CitizenLogState(head: state.head, rightEdge: state.rightEdge, entries: state.entries + [odd], subjectKey: state.subjectKey)
    }

    /// What the encoders made of `state`: written as the state file was, read back.
    static func throughTheEncoders(_ state: CitizenLogState) throws -> (bytes: Data, state: CitizenLogState) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let bytes = try encoder.encode(state)
        return (bytes, try decoder.decode(CitizenLogState.self, from: bytes))
    }

    @Test(arguments: [false, true]) func theStateRoundTripsAsTheEncodersWroteIt(escaped: Bool) async throws {
        let state = try await Self.state(escaped: escaped)
        #expect(state.entries.contains { $0.forgottenAt != nil } && state.entries.contains { $0.actor != nil })
        let reference = try Self.throughTheEncoders(state)
        try await AuditStateTests.withStatePath { path in
            try state.save(to: path, after: nil)
            #expect(try CitizenLogState.load(from: path) == reference.state)
            // The state files of earlier versions held the history: as the encoders wrote them, and
            // as the hand writer did, `{"entries":[…],` and then the rest.
            try reference.bytes.write(to: URL(fileURLWithPath: path))
            #expect(try CitizenLogState.load(from: path) == reference.state)
            // Those by hand kept no subject key.
            try Self.wholeByHand(state).write(to: URL(fileURLWithPath: path))
            let keyless = CitizenLogState(head: reference.state.head, rightEdge: reference.state.rightEdge, entries: reference.state.entries)
            #expect(try reference.state.subjectKey != nil && CitizenLogState.load(from: path) == keyless)
        }
    }

    /// A state file as the hand writer made it before the history had a file of its own.
    static func wholeByHand(_ state: CitizenLogState) throws -> Data {
        struct Head: Encodable {
            let head: AuditState
            let rightEdge: [String]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        var bytes = Array(#"{"entries":"#.utf8)
        CitizenHistoryJSON.write(state.entries, time: .iso8601, into: &bytes)
        bytes.append(UInt8(ascii: ","))
        bytes += try encoder.encode(Head(head: state.head, rightEdge: state.rightEdge)).dropFirst()
        return Data(bytes)
    }

    @Test func theJSONEntriesAreWhatJSONEncoderWrites() async throws {
        let state = try await Self.state(escaped: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let expected = try JSONSerialization.jsonObject(with: try encoder.encode(state.entries)) as? NSArray
        let written = try JSONSerialization.jsonObject(with: Data(CitizenLogEntry.json(state.entries))) as? NSArray
        #expect(written != nil && written == expected)
    }

    /// The hand reader takes text beyond ASCII as it is, and refuses bytes that are not UTF-8
    /// rather than repairing them into another history.
    @Test func theReaderKeepsUTF8AndRefusesWhatIsNot() throws {
        let entry = CitizenLogEntry(
            index: 7, time: Date(timeIntervalSince1970: 1_790_000_000), type: .consentGranted, consentTag: "JHL_DbEOSbajVrj39Ckvwg",
            consentId: nil, bankOrg: "Ålesund Sparebank ø", actor: AuditEntry.Actor(kind: .citizen, id: "gjøvik"), scopes: nil, years: nil, forgottenAt: nil
        )
        var bytes: [UInt8] = []
        CitizenHistoryJSON.write([entry], time: .iso8601, into: &bytes)
        var at = 0
        #expect(CitizenHistoryJSON.read(bytes, at: &at) == [entry])
        #expect(at == bytes.count)
        // "ø" is C3 B8; a lone C3 before the quote is no character at all.
        let broken = Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "gjøvik", with: "gj\u{1}").utf8)
            .map { $0 == 0x01 ? 0xC3 : $0 }
        at = 0
        #expect(CitizenHistoryJSON.read(broken, at: &at) == nil)
    }

    @Test func timesAreTheEncodersWholeSeconds() throws {
        for seconds in [0.0, 951_782_400, 1_790_000_000.999, 4_107_542_399, 253_402_300_799] {
            let time = Date(timeIntervalSince1970: seconds)
            let formatter = ISO8601DateFormatter()
            #expect(UTCDigits.wholeSeconds(time) == formatter.string(from: time), "\(seconds)")
        }
    }
}

struct CitizenHistoryTestError: Error {}
