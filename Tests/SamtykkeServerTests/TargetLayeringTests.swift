import Foundation
import Testing
import TestSupport

/// The HTTP target links no transport and no database (issue 25): everything it depends on, however
/// indirectly, is read from Package.swift, and neither those targets' manifests nor their sources may
/// reach libcurl, GRDB or postgres-nio. A background job that needs one lives in a target of its own
/// that the composition root wires in.
@Suite(.sameOnEveryBackend) struct TargetLayeringTests {
    static let forbiddenTargets: Set<String> = ["CurlHTTP", "CCurl", "Witness"]
    static let forbiddenPackages: Set<String> = ["GRDB.swift", "postgres-nio"]
    static let forbiddenImports: Set<String> = ["CurlHTTP", "CCurl", "GRDB", "PostgresNIO", "Witness"]

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func theHTTPTargetDependsOnNoTransportOrDatabase() throws {
        let manifest = try PackageManifest(String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8))
        let reached = manifest.closure(of: "SamtykkeServer")
        #expect(reached.targets.contains("SamtykkeStore"), "the manifest was not read: SamtykkeServer's dependencies are missing")
        #expect(reached.targets.isDisjoint(with: Self.forbiddenTargets), "SamtykkeServer reaches \(reached.targets.intersection(Self.forbiddenTargets).sorted())")
        #expect(reached.packages.isDisjoint(with: Self.forbiddenPackages), "SamtykkeServer reaches \(reached.packages.intersection(Self.forbiddenPackages).sorted())")
    }

    @Test func theHTTPTargetImportsNoTransportOrDatabase() throws {
        let manifest = try PackageManifest(String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8))
        var offending: [String] = []
        var files = 0
        for target in manifest.closure(of: "SamtykkeServer").targets.union(["SamtykkeServer"]).sorted() {
            let folder = Self.root.appendingPathComponent("Sources").appendingPathComponent(target)
            guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { continue }
            for case let file as URL in walker where file.pathExtension == "swift" {
                files += 1
                for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
                    let words = line.split(separator: " ").map(String.init)
                    guard let at = words.firstIndex(of: "import"), at + 1 < words.count,
                        words[..<at].allSatisfy({ ["@testable", "public", "package", "internal", "@_exported", "@preconcurrency"].contains($0) })
                    else { continue }
                    if Self.forbiddenImports.contains(words[at + 1]) { offending.append("\(target)/\(file.lastPathComponent): \(line)") }
                }
            }
        }
        #expect(files > 50, "the sources were not found under \(Self.root.path)")
        #expect(offending.isEmpty, "\(offending)")
    }
}

/// The targets of Package.swift and what each depends on, read from its text: enough to follow
/// dependencies, with no SwiftPM run.
struct PackageManifest {
    struct Dependencies {
        var targets: Set<String> = []
        var packages: Set<String> = []
    }

    private(set) var targets: [String: Dependencies] = [:]

    init(_ text: String) throws {
        let declaration = try Regex(#"\.(?:target|executableTarget|testTarget|systemLibrary)\(\s*name:\s*"([^"]+)""#)
        let matches = text.matches(of: declaration)
        for (index, match) in matches.enumerated() {
            let end = index + 1 < matches.count ? matches[index + 1].range.lowerBound : text.endIndex
            let body = text[match.range.upperBound..<end]
            var dependencies = Dependencies()
            if let list = body.range(of: "dependencies:") {
                let listed = Self.bracketed(body[list.upperBound...])
                for product in listed.matches(of: try Regex(#"\.product\(\s*name:\s*"[^"]+",\s*package:\s*"([^"]+)""#)) {
                    dependencies.packages.insert(String(product.output[1].substring!))
                }
                let plain = listed.replacing(try Regex(#"\.product\([^)]*\)"#), with: "")
                for name in plain.matches(of: try Regex(#""([^"]+)""#)) {
                    dependencies.targets.insert(String(name.output[1].substring!))
                }
            }
            targets[String(match.output[1].substring!), default: Dependencies()] = dependencies
        }
    }

    /// Everything `target` depends on, directly or through other targets of this package.
    func closure(of target: String) -> Dependencies {
        var reached = Dependencies()
        var queue = [target]
        while let next = queue.popLast() {
            guard let dependencies = targets[next] else { continue }
            reached.packages.formUnion(dependencies.packages)
            for name in dependencies.targets where reached.targets.insert(name).inserted {
                queue.append(name)
            }
        }
        return reached
    }

    /// The text from the first `[` to its matching `]`.
    private static func bracketed(_ text: Substring) -> Substring {
        guard let open = text.firstIndex(of: "[") else { return "" }
        var depth = 0
        for index in text[open...].indices {
            switch text[index] {
            case "[": depth += 1
            case "]":
                depth -= 1
                if depth == 0 { return text[open...index] }
            default: break
            }
        }
        return text[open...]
    }
}
