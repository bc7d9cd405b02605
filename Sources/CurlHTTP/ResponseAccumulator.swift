/// Collects one transfer's response as libcurl's callbacks deliver it.
///
/// A class because libcurl hands it back to the C callbacks as an opaque pointer
/// (CURLOPT_WRITEDATA / CURLOPT_HEADERDATA); it is only touched by the thread running
/// the transfer and read after `curl_easy_perform` returns.
final class ResponseAccumulator {
    private let maxBodyBytes: Int
    private(set) var body: [UInt8] = []
    private(set) var headers: [CurlHeader] = []
    /// Whether a status line arrived, which tells a TLS rejection apart from a broken response.
    private(set) var receivedResponse = false
    private(set) var exceededBodyLimit = false

    init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    /// Returns `false` once the cap would be passed, which makes libcurl abort the transfer
    /// instead of buffering an unbounded body.
    func appendBody(_ chunk: UnsafeRawBufferPointer) -> Bool {
        guard body.count + chunk.count <= maxBodyBytes else {
            exceededBodyLimit = true
            return false
        }
        body.append(contentsOf: chunk)
        return true
    }

    /// libcurl calls this once per complete header line, status line and blank line included.
    func appendHeaderLine(_ rawLine: UnsafeRawBufferPointer) {
        let line = Self.trimmed(Substring(String(decoding: rawLine, as: UTF8.self)))
        if line.hasPrefix("HTTP/") {
            // An interim response (100 Continue) is followed by the real one; keep only the last.
            receivedResponse = true
            headers.removeAll()
            return
        }
        guard !line.isEmpty else { return }
        if let first = rawLine.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t"), !headers.isEmpty {
            // An obsolete folded line continues the previous header's value.
            headers[headers.count - 1].value += " " + line
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = Self.trimmed(line[..<colon])
        let value = Self.trimmed(line[line.index(after: colon)...])
        headers.append(CurlHeader(name: name, value: value))
        // Room for the whole body at once, not grown and copied chunk by chunk (an auditor reads
        // thousands of 100 kB entry bundles); never more than the cap, whatever the header claims.
        if name.lowercased() == "content-length", let length = Int(value), length > 0 {
            body.reserveCapacity(min(length, maxBodyBytes))
        }
    }

    /// On scalars, not Characters: a header line is ASCII, and reversing Characters cost a client
    /// reading thousands of small answers a sixth of its time.
    private static func trimmed(_ text: Substring) -> String {
        let scalars = text.unicodeScalars
        let isPadding = { (scalar: Unicode.Scalar) in scalar == " " || scalar == "\t" || scalar == "\r" || scalar == "\n" }
        guard let first = scalars.firstIndex(where: { !isPadding($0) }), let last = scalars.lastIndex(where: { !isPadding($0) }) else { return "" }
        return String(scalars[first...last])
    }
}
