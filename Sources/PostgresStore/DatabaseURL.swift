/// A parsed `postgres://USER[:PASS]@HOST:PORT/DB`: the one form `--database` takes. Anything more
/// (query parameters such as `sslmode`, a missing port or database) is refused rather than guessed,
/// so a typo never connects somewhere unintended.
struct DatabaseURL: Sendable, Hashable {
    var user: String
    var password: String?
    var host: String
    var port: Int
    var database: String

    init(user: String, password: String?, host: String, port: Int, database: String) {
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.database = database
    }

    init(parsing text: String) throws(PostgresStoreError) {
        let scheme = "postgres://"
        guard text.hasPrefix(scheme) else { throw .invalidURL(reason: "it must start with \(scheme)") }
        let rest = text.dropFirst(scheme.count)
        guard !rest.contains("?"), !rest.contains("#") else {
            throw .invalidURL(reason: "query parameters and fragments are not supported")
        }
        // The password may contain '@' only percent-encoded, so the last '@' ends the credentials.
        guard let at = rest.lastIndex(of: "@") else { throw .invalidURL(reason: "it names no user (USER@HOST)") }
        let credentials = rest[..<at]
        let location = rest[rest.index(after: at)...]
        let userText = credentials.firstIndex(of: ":").map { credentials[..<$0] } ?? credentials
        let passwordText = credentials.firstIndex(of: ":").map { credentials[credentials.index(after: $0)...] }
        guard let user = Self.percentDecoded(userText), !user.isEmpty else { throw .invalidURL(reason: "the user is empty or badly escaped") }
        let password = try passwordText.map { text throws(PostgresStoreError) in
            guard let decoded = Self.percentDecoded(text) else { throw .invalidURL(reason: "the password is badly escaped") }
            return decoded
        }

        guard let slash = location.firstIndex(of: "/") else { throw .invalidURL(reason: "it names no database (HOST:PORT/DB)") }
        let hostAndPort = location[..<slash]
        guard let database = Self.percentDecoded(location[location.index(after: slash)...]), !database.isEmpty, !database.contains("/") else {
            throw .invalidURL(reason: "the database name is empty or not one path segment")
        }
        // An IPv6 literal is bracketed ([::1]:5432), so the port follows the last ':'.
        guard let colon = hostAndPort.lastIndex(of: ":") else { throw .invalidURL(reason: "it names no port (HOST:PORT)") }
        var host = hostAndPort[..<colon]
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else { throw .invalidURL(reason: "the IPv6 host is not closed by ']'") }
            host = host.dropFirst().dropLast()
        } else if host.contains(":") || host.contains("[") || host.contains("]") {
            throw .invalidURL(reason: "an IPv6 host must be written in brackets")
        }
        guard !host.isEmpty else { throw .invalidURL(reason: "the host is empty") }
        let portText = hostAndPort[hostAndPort.index(after: colon)...]
        guard portText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let port = Int(portText), (1...65_535).contains(port) else {
            throw .invalidURL(reason: "the port \"\(portText)\" is not a number from 1 to 65535")
        }
        self.init(user: user, password: password, host: String(host), port: port, database: database)
    }

    /// The same server, another database: tests make one database per test through it.
    func with(database: String) -> DatabaseURL {
        var url = self
        url.database = database
        return url
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
