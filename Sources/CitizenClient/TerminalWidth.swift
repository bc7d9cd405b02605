#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// How many columns the citizen's terminal has.
public enum TerminalWidth {
    /// When neither `COLUMNS` nor the terminal says: the width every terminal has at least.
    public static let fallback = 80

    /// `COLUMNS` when it is a positive number (the user's or the shell's word wins, as for `ls`),
    /// else the size of the terminal on `fd`, else `fallback`.
    public static func resolve(columns: String?, terminal: Int?) -> Int {
        if let columns = columns.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }), columns > 0 { return columns }
        if let terminal, terminal > 0 { return terminal }
        return fallback
    }

    /// The columns of the terminal on `fd`, nil when it is not one (a pipe, a file) or does not say.
    public static func ofTerminal(_ fd: Int32) -> Int? {
        var size = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }
}
