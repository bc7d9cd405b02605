@testable import PostgresStore
import Testing
import TestSupport

/// `--database` takes exactly `postgres://USER[:PASS]@HOST:PORT/DB`; needs no server.
@Suite(.sameOnEveryBackend)
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
        ("postgresql://u@h:5432/db", "it must start with postgres://"), ("mysql://u@h:5432/db", "it must start with postgres://"),
        ("u@h:5432/db", "it must start with postgres://"), ("postgres://h:5432/db", "it names no user (USER@HOST)"),
        ("postgres://@h:5432/db", "the user is empty or badly escaped"), ("postgres://u@h/db", "it names no port (HOST:PORT)"),
        ("postgres://u@h:/db", #"the port "" is not a number from 1 to 65535"#), ("postgres://u@h:0/db", #"the port "0" is not a number from 1 to 65535"#),
        ("postgres://u@h:65536/db", #"the port "65536" is not a number from 1 to 65535"#),
        ("postgres://u@h:54x2/db", #"the port "54x2" is not a number from 1 to 65535"#),
        ("postgres://u@h:5432", "it names no database (HOST:PORT/DB)"), ("postgres://u@h:5432/", "the database name is empty or not one path segment"),
        ("postgres://u@h:5432/db/x", "the database name is empty or not one path segment"),
        ("postgres://u@h:5432/db?sslmode=require", "query parameters and fragments are not supported"),
        ("postgres://u@:5432/db", "the host is empty"), ("postgres://u@::1:5432/db", "an IPv6 host must be written in brackets"),
        ("postgres://u@[::1:5432/db", "the IPv6 host is not closed by ']'"), ("postgres://u%zz@h:5432/db", "the user is empty or badly escaped"),
    ])
    func anythingElseIsRefusedSayingWhy(url: String, reason: String) {
        #expect(throws: PostgresStoreError.invalidURL(reason: reason)) { try DatabaseURL(parsing: url) }
    }
}
