import ChildProcess
import Foundation
import TestSupport
import SamtykkeJOSE
import Testing

/// `serve`'s hardening settings reach the running broker from its command line, as an operator
/// gives them.
@Suite(.heavy) struct ServeFlagsTests {
    /// A data directory that existed before the broker (made by the operator or a volume mount)
    /// keeps its mode, so the database's own mode rests on the broker, not on the caller's umask.
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

                let next = try await TestPKI.copyOfOther(at: dir.appendingPathComponent("next-pki"))
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

    @Test func theIDTokenLifetimeCapIsTheFlags() async throws {
        try await withTemporaryDirectory { dir in
            try await ProcessStack.with(in: dir, brokerArguments: ["--id-token-max-lifetime", "60"]) { stack in
                let provider = DevIDProvider(signer: try ES256Signer(privateKey: KeyFiles.p256(stack.paths.idProviderKey.path)))
                let person = try fixturePeople()[0].personId.digits
                func answer(lifetime: TimeInterval) async throws -> Answer {
                    try await Caller(server: stack.broker.url, credential: try provider.mint(pid: person, lifetime: lifetime)).send("GET", "/v1/me/consents")
                }
                let long = try await answer(lifetime: 61)
                #expect(long.status == 401, "\(long.text)")
                #expect(long.json["detail"] as? String == "the ID token was refused: the ID token lives longer than 60 s", "\(long.text)")
                #expect(try await answer(lifetime: 60).status == 200)
            }
        }
    }

    /// `--agency-proxy` is where the agency calls go; without it the broker connects directly,
    /// whatever proxy its environment names. Port 9 on loopback refuses every connection, so an
    /// agency that answers is one reached without it.
    @Test func theAgencyIsReachedThroughTheProxyTheFlagNamesAndNoOther() async throws {
        let refusing = "http://127.0.0.1:9"
        try await withTemporaryDirectory { dir in
            try await ProcessStack.with(in: dir, brokerArguments: ["--agency-proxy", refusing]) { stack in
                let proxied = try await Caller(server: stack.broker.url, credential: nil).send("GET", "/readyz")
                #expect((proxied.json["agency"] as? String)?.hasPrefix("unavailable") == true, "\(proxied.text)")

                let direct = ServerProcess(
                    ["serve", "--data-dir", dir.appendingPathComponent("direct").path, "--pki", stack.paths.directory.path, "--tax-agency", stack.agency.url]
                )
                try await direct.running(environment: ["HTTPS_PROXY": refusing, "https_proxy": refusing, "ALL_PROXY": refusing]) {
                    try await direct.waitUntilReady()
                    let ready = try await Caller(server: direct.url, credential: nil).send("GET", "/readyz")
                    #expect(ready.json["agency"] as? String == "ok", "\(ready.text)")
                }
            }
        }
    }
}
