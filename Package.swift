// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "samtykke",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "samtykke", targets: ["samtykke"]),
        // Libraries for the separate benchmark package in Benchmarks/ (it depends on this one by path).
        .library(name: "SamtykkeCore", targets: ["SamtykkeCore"]),
        .library(name: "CanonicalJSON", targets: ["CanonicalJSON"]),
        .library(name: "TransparencyLog", targets: ["TransparencyLog"]),
        .library(name: "SamtykkeJOSE", targets: ["SamtykkeJOSE"]),
        .library(name: "SamtykkeStore", targets: ["SamtykkeStore"]),
        .library(name: "SQLiteStore", targets: ["SQLiteStore"]),
        .library(name: "PostgresStore", targets: ["PostgresStore"]),
        .library(name: "CurlHTTP", targets: ["CurlHTTP"]),
        .library(name: "ChildProcess", targets: ["ChildProcess"]),
        // The tests' own support (parties, a valid consent, servers run as processes, PostgreSQL
        // databases), exported only because the benchmark package drives the broker with it.
        .library(name: "TestSupport", targets: ["TestSupport"]),
        .library(name: "LogRelease", targets: ["LogRelease"]),
        .library(name: "LogVerification", targets: ["LogVerification"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // OTLP over HTTP only: the gRPC exporter (the default trait too) would add grpc-swift to every build.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // JSON Canonicalization Scheme (RFC 8785): the exact bytes of every audit-log leaf.
        .target(name: "CanonicalJSON"),

        // The consent domain: identifiers, scopes, the state machine, audit entries and their v2
        // commitments and tags (hashes and HMACs, hence swift-crypto). No I/O.
        .target(name: "SamtykkeCore", dependencies: ["CanonicalJSON", .product(name: "Crypto", package: "swift-crypto")]),

        // RFC 9162 Merkle tree maths, proofs, C2SP checkpoints and signed notes.
        .target(
            name: "TransparencyLog",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),

        // Bundles, consent tokens and ID tokens: signed with swift-crypto, verified on jwt-kit, and the key
        // and certificate files they are made with, read one way.
        .target(
            name: "SamtykkeJOSE",
            dependencies: [
                "SamtykkeCore",
                "CanonicalJSON",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),

        // The storage seam: protocols by concern in SamtykkeCore's terms, the one way to commit a
        // change with its log entries, and the log sequencer that batches commits (group commit).
        .target(
            name: "SamtykkeStore",
            dependencies: ["SamtykkeCore", "TransparencyLog", "CanonicalJSON", .product(name: "Crypto", package: "swift-crypto")]
        ),

        // The embedded store: GRDB over SQLite in WAL mode, one file, zero setup.
        .target(
            name: "SQLiteStore",
            dependencies: [
                "SamtykkeCore", "SamtykkeStore", "TransparencyLog",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's own column functions, for the log's bulk reads (`StatementColumns`).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),

        // The store for several broker instances: PostgreSQL over postgres-nio.
        .target(
            name: "PostgresStore",
            dependencies: [
                "SamtykkeCore", "SamtykkeStore", "TransparencyLog",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // libcurl as a system library, with typed shims around the variadic setopt.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),

        // A small HTTP(S) client on libcurl: mTLS, timeouts, connection reuse, typed errors.
        .target(
            name: "CurlHTTP",
            dependencies: ["CCurl", .product(name: "Instrumentation", package: "swift-distributed-tracing")]
        ),

        // The tax agency as the broker sees it: the one read it makes, its errors and the retry policy.
        // No transport, so the HTTP target can depend on it without linking libcurl.
        .target(name: "AgencyClient", dependencies: ["SamtykkeCore"]),
        // The agency over HTTPS with mutual TLS, through CurlHTTP.
        .target(name: "CurlAgencyClient", dependencies: ["AgencyClient", "SamtykkeCore", "CurlHTTP", .product(name: "Metrics", package: "swift-metrics")]),

        // The mock tax agency: HTTPS that demands a client certificate, serving Fixtures/; with a log
        // policy it releases only against the broker's witnessed log (LogRelease, tiles over CurlHTTP).
        .target(
            name: "MockTaxAgency",
            dependencies: [
                "SamtykkeCore", "SamtykkeJOSE", "LogRelease", "CurlHTTP", "CanonicalJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),

        // `samtykke dev id-provider`: an OpenID provider for development and tests (SPEC §2b), ID-porten's
        // test login in spirit, on a dev PKI; its login page from a Mustache template.
        .target(
            name: "DevOpenIDProvider",
            dependencies: [
                "SamtykkeCore", "SamtykkeJOSE", "DevPKI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [.copy("Templates")]
        ),

        // Blocking calls (child processes, name lookups) on threads of their own, never on the
        // threads Swift's tasks share.
        .target(name: "OwnThread"),

        // `samtykke dev pki`: a throwaway CA, certificates and keys made with openssl.
        // Programs run to their end with a clean signal mask and only the standard streams inherited:
        // openssl for the dev PKI, the CLI for the demo, and every child of the tests and benchmarks.
        .target(name: "ChildProcess", dependencies: ["OwnThread"]),
        .target(name: "DevPKI", dependencies: ["ChildProcess", "OwnThread", "SamtykkeCore"]),

        // The broker's HTTP API as Codable types: declared once for the server that encodes them and
        // the clients that decode them.
        .target(name: "SamtykkeAPI", dependencies: ["SamtykkeCore", "CanonicalJSON"]),

        // The broker: Hummingbird routes for banks, citizens, auditors and the public.
        .target(
            name: "SamtykkeServer",
            dependencies: [
                "SamtykkeCore", "SamtykkeAPI", "SamtykkeJOSE", "SamtykkeStore", "AgencyClient", "TransparencyLog", "CanonicalJSON",
                "OwnThread", "LogRelease",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [.copy("openapi.json"), .copy("Pages")]
        ),

        // The broker's background work, each beside the application the composition root builds, in
        // targets of their own so the HTTP target links neither libcurl nor a witness client.
        // The webhook engine: leases the outbox's deliveries and POSTs them signed, over libcurl.
        .target(
            name: "WebhookEngine",
            dependencies: [
                "SamtykkeServer", "SamtykkeStore", "SamtykkeCore", "SamtykkeJOSE", "CurlHTTP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // The witness submitter: checkpoints to every `--witness`, and the quorum rounds of release against the log.
        .target(
            name: "WitnessSubmitter",
            dependencies: [
                "SamtykkeServer", "SamtykkeStore", "TransparencyLog", "Witness",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // The sweepers: expiry, idempotency records past their day, consents past the retention period.
        .target(
            name: "Sweepers",
            dependencies: [
                "SamtykkeServer", "SamtykkeStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // The broker's calls to the citizens' OpenID provider (discovery, JWKS, token endpoint) over
        // libcurl, behind SamtykkeServer's `OpenIDProvider`, so the HTTP target never links curl.
        .target(name: "CurlOpenID", dependencies: ["SamtykkeServer", "CurlHTTP"]),

        // The composition root: `buildBroker` makes the store, the agency client, the keys, the
        // background services and the application from one `BrokerSettings`; `serve`, `demo` and the
        // tests all build the broker through it.
        .target(
            name: "SamtykkeApp",
            dependencies: [
                "SamtykkeCore", "SamtykkeJOSE", "SamtykkeStore", "SQLiteStore", "PostgresStore", "SamtykkeServer", "AgencyClient",
                "CurlAgencyClient", "CurlHTTP", "CurlOpenID", "DevPKI", "TransparencyLog", "Witness", "LogRelease",
                "WebhookEngine", "WitnessSubmitter", "Sweepers",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // `samtykke demo`: the mock agency and a broker on loopback over a dev PKI (`LocalStack`, which
        // the integration tests drive too), and the walk through the consent flow.
        .target(
            name: "SamtykkeDemo",
            dependencies: [
                "SamtykkeApp", "SamtykkeServer", "SamtykkeCore", "SamtykkeJOSE", "SamtykkeAPI", "BrokerClient", "MockTaxAgency", "DevPKI", "ChildProcess",
                "Witness", "LogRelease", "TransparencyLog", "CurlHTTP", "DevOpenIDProvider", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // What banks, citizens and auditors use to talk to a broker: its HTTP API, the audit log as a
        // `LogSource`, and the offline checks of a bundle and its receipt. Knows nothing of the server.
        .target(
            name: "BrokerClient",
            dependencies: ["SamtykkeAPI", "SamtykkeCore", "SamtykkeJOSE", "TransparencyLog", "LogVerification", "CurlHTTP", "CanonicalJSON"]
        ),

        // What the citizen's consent commands print and ask: the strings in bokmål and English, the
        // list fitted to the terminal, errors as sentences a person understands.
        // `samtykke login` too: the loopback redirect (Hummingbird), PKCE, and the session kept on disk.
        .target(
            name: "CitizenClient",
            dependencies: [
                "BrokerClient", "SamtykkeAPI", "SamtykkeCore", "SamtykkeJOSE", "LogVerification", "CanonicalJSON", "CurlHTTP", "DurableFiles",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // C2SP tlog-witness: the witness that cosigns a log's checkpoints, and the client a log submits them with.
        .target(
            name: "Witness",
            dependencies: [
                "TransparencyLog", "CurlHTTP", "DurableFiles",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // `serve --otlp-endpoint`: the broker's spans exported over OTLP/HTTP (swift-otel), and their
        // trace ids in its log lines.
        .target(
            name: "TraceExport",
            dependencies: [
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // The command line: every party's commands and `demo`.
        .executableTarget(
            name: "samtykke",
            dependencies: [
                "SamtykkeCore", "SamtykkeAPI", "SamtykkeJOSE", "SamtykkeStore", "SamtykkeApp", "SamtykkeDemo", "BrokerClient", "CitizenClient", "SamtykkeServer",
                "MockTaxAgency", "DevPKI", "TransparencyLog", "CanonicalJSON", "LogVerification", "LogRelease", "Witness", "OwnThread", "TraceExport", "DevOpenIDProvider",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // Files that survive a crash or power loss: replaced whole, or appended to, and fsynced.
        .target(name: "DurableFiles"),

        // The data holder's side of SPEC §5 "Release against the log", for any data provider to take on
        // its own: the C2SP tlog-policy it trusts, tlog-proof checks, the opened entry matched to the
        // token, a monitor of the public tiles, and one release per logged entry. No HTTP client.
        .target(name: "LogRelease", dependencies: ["SamtykkeCore", "TransparencyLog", "CanonicalJSON", "DurableFiles", "OwnThread"]),

        // Verifying the consent log from outside: entries to a root and the first bad index, trust on
        // first use between runs, proofs against a signed checkpoint. No I/O but the state file.
        .target(name: "LogVerification", dependencies: ["TransparencyLog", "SamtykkeCore", "CanonicalJSON", "DurableFiles"]),

        // Reproducible randomness for the property tests of any target.
        .target(name: "SeededRandom", path: "Tests/SeededRandom"),
        .testTarget(name: "CanonicalJSONTests", dependencies: ["TestSupport", "CanonicalJSON", "SeededRandom"]),
        .testTarget(
            name: "SamtykkeCoreTests",
            dependencies: ["SamtykkeCore", "CanonicalJSON", "SeededRandom", "TestSupport", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "SamtykkeJOSETests",
            dependencies: ["SamtykkeJOSE", "SamtykkeCore", "CanonicalJSON", "TestSupport", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "TransparencyLogTests",
            dependencies: ["TestSupport", "TransparencyLog", "SeededRandom", .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Vectors")]
        ),
        .testTarget(
            name: "CurlHTTPTests",
            dependencies: [
                "CurlHTTP", "DevPKI", "TestSupport",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(
            name: "MockTaxAgencyTests",
            dependencies: [
                "MockTaxAgency", "DevPKI", "SamtykkeJOSE", "SamtykkeCore", "TestSupport", "ChildProcess", "LogRelease", "TransparencyLog",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // What every suite and the benchmarks share, and no part of the product: the parties and a
        // valid consent request, a clock tests move, the shared dev PKIs, a log handler that keeps its
        // lines, servers started as child processes that report the port they bound, and fresh
        // PostgreSQL databases for the targets that run on a server.
        .target(
            name: "TestSupport",
            dependencies: [
                "SamtykkeCore", "SamtykkeJOSE", "PostgresStore", "ChildProcess", "OwnThread", "DevPKI",
                .product(name: "Logging", package: "swift-log"), .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/TestSupport"
        ),
        // Needs a PostgreSQL server: `scripts/with-postgres swift test` (skipped, and says so, without one).
        .testTarget(
            name: "PostgresStoreTests",
            dependencies: [
                "PostgresStore", "TestSupport", "SamtykkeStore", "SamtykkeCore", "TransparencyLog",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(name: "AgencyClientTests", dependencies: ["TestSupport", "AgencyClient"]),
        .testTarget(name: "CitizenClientTests", dependencies: ["TestSupport", "CitizenClient", "SamtykkeAPI", "SamtykkeCore", "CurlHTTP"]),
        .testTarget(name: "SQLiteStoreTests", dependencies: ["TestSupport", "SQLiteStore", .product(name: "GRDB", package: "GRDB.swift")]),
        // The broker's router in milliseconds: an in-memory store, throwaway keys, a stub agency.
        .testTarget(
            name: "SamtykkeServerTests",
            dependencies: [
                "SamtykkeServer", "SamtykkeAPI", "SQLiteStore", "SamtykkeStore", "SamtykkeCore", "SamtykkeJOSE", "AgencyClient", "TransparencyLog",
                "BrokerClient", "CanonicalJSON", "TestSupport", "SamtykkeApp", "WebhookEngine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "StoreContractTests",
            dependencies: [
                "SamtykkeStore", "SQLiteStore", "PostgresStore", "SamtykkeCore", "TransparencyLog", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "WitnessTests",
            dependencies: [
                "TestSupport", "Witness", "TransparencyLog", "CurlHTTP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "LogReleaseTests",
            dependencies: [
                "TestSupport", "LogRelease", "Witness", "TransparencyLog", "SamtykkeCore", "CanonicalJSON",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "LogVerificationTests",
            dependencies: ["TestSupport", "LogVerification", "TransparencyLog", "SamtykkeCore", "CanonicalJSON", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "samtykke", "SamtykkeServer", "MockTaxAgency", "DevPKI", "CurlHTTP", "AgencyClient", "CurlAgencyClient", "BrokerClient", "CitizenClient", "SamtykkeAPI",
                "SamtykkeJOSE", "SamtykkeCore", "SamtykkeStore", "SQLiteStore", "SamtykkeApp", "SamtykkeDemo", "TransparencyLog", "TestSupport", "Witness",
                "ChildProcess", "OwnThread", "DevOpenIDProvider", "CurlOpenID",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ]
)
