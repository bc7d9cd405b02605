/// Number.prototype.toString for finite doubles (ECMA-262 §7.1.12.1), as RFC 8785 §3.2.2.3 requires.
///
/// Swift's `description` already yields the shortest digits that round-trip, choosing the closest
/// (and then the even) candidate exactly as ECMAScript does; only its layout differs
/// ("1e-07", "100.0", "1e+16"), so the digits and exponent are taken from it and laid out again.
enum ECMAScriptNumber {
    static func string(for value: Double) -> String {
        precondition(value.isFinite, "only finite numbers have an ECMAScript string form")
        if value == 0 { return "0" }
        // Every number in a log entry is a whole one (an index, a count, a year): printed as an
        // integer, which is what the shortest-digits algorithm yields below 2^53, without it.
        if value.magnitude < 0x1p53, value.rounded(.towardZero) == value { return String(Int64(value)) }
        let (digits, exponent) = shortestDigits(of: value.magnitude)
        return (value < 0 ? "-" : "") + layout(digits: digits, pointPosition: exponent)
    }

    /// The ECMAScript `s` (as decimal digits, no leading or trailing zeros) and `n`,
    /// such that the value is 0.s × 10^n.
    private static func shortestDigits(of magnitude: Double) -> (digits: [Character], pointPosition: Int) {
        let text = magnitude.description
        let parts = text.split(separator: "e", maxSplits: 1)
        let decimalExponent = parts.count == 2 ? Int(parts[1])! : 0
        let mantissa = parts[0].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        var digits = Array(mantissa[0]) + (mantissa.count == 2 ? Array(mantissa[1]) : [])
        var pointPosition = mantissa[0].count + decimalExponent
        while digits.first == "0" {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.last == "0" {
            digits.removeLast()
        }
        return (digits, pointPosition)
    }

    private static func layout(digits: [Character], pointPosition n: Int) -> String {
        let k = digits.count
        if k <= n && n <= 21 {
            return String(digits) + String(repeating: "0", count: n - k)
        }
        if 0 < n && n <= 21 {
            return String(digits[..<n]) + "." + String(digits[n...])
        }
        if -6 < n && n <= 0 {
            return "0." + String(repeating: "0", count: -n) + String(digits)
        }
        let exponent = n - 1
        let exponentText = (exponent < 0 ? "-" : "+") + String(exponent.magnitude)
        let significand = k == 1 ? String(digits) : String(digits[0]) + "." + String(digits[1...])
        return significand + "e" + exponentText
    }
}
