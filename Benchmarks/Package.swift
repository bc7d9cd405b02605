// swift-tools-version:6.1
import PackageDescription

// The benchmark harness for `Benchmarks/run`: its own package, so `swift test` in the main package
// never builds it. It uses the main package's library products and drives the `samtykke` binary
// (built separately in release) as separate processes, the way an operator runs it.
let package = Package(
    name: "samtykke-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // `name:` so the products resolve whatever the checkout folder is called.
        .package(name: "samtykke", path: ".."),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.0"),
    ],
    targets: [
        .executableTarget(
            name: "SamtykkeBench",
            dependencies: [
                .product(name: "SamtykkeCore", package: "samtykke"),
                .product(name: "CanonicalJSON", package: "samtykke"),
                .product(name: "TransparencyLog", package: "samtykke"),
                .product(name: "LogVerification", package: "samtykke"),
                .product(name: "SamtykkeJOSE", package: "samtykke"),
                .product(name: "SamtykkeStore", package: "samtykke"),
                .product(name: "SQLiteStore", package: "samtykke"),
                .product(name: "CurlHTTP", package: "samtykke"),
                .product(name: "TestSupport", package: "samtykke"),
                .product(name: "ChildProcess", package: "samtykke"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ]
)
