import ArgumentParser
import Foundation
import SamtykkeCore

/// A failure the user can act on, printed as one line on stderr.
struct CLIError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}

/// Runs a command body so that any error becomes exactly one line on stderr and a non-zero exit.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        // Thrown from run(), ArgumentParser would print it under the root command's usage: the
        // subcommand's own checks ran in validate(), so this is one line like any other failure.
        FileHandle.standardError.write(Data("samtykke: \(error.message)\n".utf8))
        throw ExitCode.validationFailure
    } catch {
        // An error can quote the store or the broker (a problem's detail, a URL): escaped too.
        let line = "\(error)".split(separator: "\n").map { FreeText.escaped(String($0)) }.joined(separator: " ")
        FileHandle.standardError.write(Data("samtykke: \(line)\n".utf8))
        throw ExitCode.failure
    }
}

/// Prints a value as pretty, key-sorted JSON on stdout.
func printJSON(_ value: some Encodable) throws {
    print(String(decoding: try prettyJSON(value), as: UTF8.self))
}

/// `value` as `printJSON` prints it, with one more member, `name`, which sorts before all of its
/// own, spliced in from `json` written elsewhere.
func printJSON(_ value: some Encodable, first name: String, json: [UInt8]) throws {
    var bytes = Array(try prettyJSON(value))
    let open = Array("{\n".utf8)
    guard bytes.starts(with: open) else { throw CLIError("could not write the JSON answer") }
    bytes.insert(contentsOf: Array("  \"\(name)\" : ".utf8) + json + Array(",\n".utf8), at: open.count)
    print(String(decoding: bytes, as: UTF8.self))
}

private func prettyJSON(_ value: some Encodable) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return try encoder.encode(value)
}

/// Prints text that carries anything read from the store or the broker (names, URLs, ids, a
/// checkpoint's origin) with every hidden scalar written as `\u{XXXX}` (`FreeText.escaped`) and its
/// line breaks kept, so nothing stored can reach the terminal as an escape sequence.
func printEscaped(_ text: String, terminator: String = "\n") {
    print(text.split(separator: "\n", omittingEmptySubsequences: false).map { FreeText.escaped(String($0)) }.joined(separator: "\n"), terminator: terminator)
}
