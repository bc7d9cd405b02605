@testable import PostgresStore
import Testing

/// `--database` takes exactly `postgres://USER[:PASS]@HOST:PORT/DB`; needs no server.
struct DatabaseURLTests {
    @Test func theDocumentedFormParses() throws {
        #expect(try DatabaseURL(parsing: "postgres://samtykke:s3cret@db.internal:5432/samtykke")
            == DatabaseURL(user: "samtykke", password: "s3cret", host: "db.internal", port: 5432, database: "samtykke"))
        #expect(try DatabaseURL(parsing: "postgres://postgres@127.0.0.1:55000/t")
            == DatabaseURL(user: "postgres", password: nil, host: "127.0.0.1", port: 55000, database: "t"))
        // Percent-escapes in credentials, an '@' in the password, an IPv6 host.
        #expect(try DatabaseURL(parsing: "postgres://a%40b:p%40ss:w@[::1]:6543/db")
            == DatabaseURL(user: "a@b", password: "p@ss:w", host: "::1", port: 6543, database: "db"))
    }

    @Test(arguments: [
        "postgresql://u@h:5432/db", "mysql://u@h:5432/db", "u@h:5432/db", "postgres://h:5432/db", "postgres://@h:5432/db",
        "postgres://u@h/db", "postgres://u@h:/db", "postgres://u@h:0/db", "postgres://u@h:65536/db", "postgres://u@h:54x2/db",
        "postgres://u@h:5432", "postgres://u@h:5432/", "postgres://u@h:5432/db/x", "postgres://u@h:5432/db?sslmode=require",
        "postgres://u@:5432/db", "postgres://u@::1:5432/db", "postgres://u@[::1:5432/db", "postgres://u%zz@h:5432/db",
    ])
    func anythingElseIsRefused(url: String) {
        #expect(throws: PostgresStoreError.self) { try DatabaseURL(parsing: url) }
    }
}
