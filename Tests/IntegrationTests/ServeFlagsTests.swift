import DevPKI
import Foundation
import ProcessHarness
import SamtykkeJOSE
import Testing

/// `serve`'s hardening settings reach the running broker from its command line, as an operator
/// gives them.
@Suite struct ServeFlagsTests {
    /// A data directory that existed before the broker (made by the operator or a volume mount)
    /// keeps its mode, so the database's own mode rests on the broker's umask, not the caller's.
    @Test func theDatabaseIsPrivateInADataDirectoryThatAlreadyExisted() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("data").path
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            // Under the common umask 022, which would leave a new file readable by everyone.
            let added = try await Command.run(
                "/bin/sh", ["-c", #"umask 022 && exec "$0" "$@""#, Package.binary.path, "bank", "add", "--data-dir", data, "--org", "986352325", "--name", "Test Sparebank"],
                cwd: Package.root.path
            )
            #expect(added.status == 0, "\(added.stderr)")
            let files = try FileManager.default.contentsOfDirectory(atPath: data)
            #expect(files.contains { $0.hasSuffix(".sqlite") }, "\(files)")
            for file in files {
                let mode = try #require(try FileManager.default.attributesOfItem(atPath: "\(data)/\(file)")[.posixPermissions] as? Int)
                #expect(mode == 0o600, "\(file) is \(String(mode, radix: 8))")
            }
        }
    }

    /// A bundle signed before the bundle-signing key changed still verifies against the JWKS of a
    /// broker started with the new key and `--retired-bundle-key` naming the old one.
    @Test func aBundleSignedWithARetiredKeyVerifiesAfterTheRotation() async throws {
        try await withTemporaryDirectory { dir in
            try await ProcessStack.with(in: dir) { stack in
                let person = try fixturePeople()[0].personId.digits
                let bank = Caller(server: stack.broker.url, credential: stack.bankKey)
                let id = try #require(try await bank.send("POST", "/v1/consents", body: consentRequest(for: person)).json["id"] as? String)
                let citizen = Caller(server: stack.broker.url, credential: try await stack.idToken(for: person))
                #expect(try await citizen.send("POST", "/v1/me/consents/\(id)/grant").status == 200)
                let issued = try await bank.send("POST", "/v1/consents/\(id)/bundles")
                let jws = try #require(issued.json["bundle"] as? String, "\(issued.text)")
                await stack.broker.stop()

                let next = try await DevPKI.make(in: dir.appendingPathComponent("next-pki"))
                let rotated = ServerProcess(
                    ["serve"] + TestBackend.flags(stack.store) + [
                        "--pki", stack.paths.directory.path, "--tax-agency", stack.agency.url,
                        "--bundle-key", next.bundleSigningKey.path, "--retired-bundle-key", stack.paths.bundleSigningKey.path,
                    ]
                )
                try await rotated.running {
                    try await rotated.waitUntilReady()
                    let jwks = try await Caller(server: rotated.url, credential: nil).send("GET", "/.well-known/jwks.json")
                    #expect((jwks.json["keys"] as? [Any])?.count == 2, "\(jwks.text)")
                    let verifier = try await JWSVerifier(jwksJSON: jwks.text, allowedAlgorithms: ["ES256"])
                    let claims = try await verifier.verify(jws, as: BundleClaims.self, typ: BundleClaims.typ)
                    #expect(claims.consent.id == id)
                }
            }
        }
    }
}
