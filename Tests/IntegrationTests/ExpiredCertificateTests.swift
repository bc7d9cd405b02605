import CurlHTTP
import DevPKI
import Foundation
import SamtykkeApp
import SamtykkeDemo
import SamtykkeCore
import SwiftASN1
import TestSupport
import Testing
import X509

/// An agency presenting an expired certificate (from the right CA, for the right name) is refused
/// at the TLS layer: the bank gets a 502, nothing is counted, and the refusal is logged.
@Suite(.heavy, .serialized) struct ExpiredCertificateTests {
    @Test func expiredAgencyCertificateIsRefused() async throws {
        try await withTemporaryDirectory { dir in
            let paths = try await TestPKI.copyOfMain(at: dir.appendingPathComponent("pki"))
            try Self.replaceWithExpiredCertificate(paths)
            let clock = TestClock()
            try await LocalStack.run(work: dir, fixtures: Package.fixtures, store: try await TestBackend.store(in: dir), customize: { broker in
                broker.clock = { clock.now() }
            }) { (stack: LocalStack) async throws -> Void in
                let key = try await stack.broker.store.addBank(org: try OrgNumber("986352325"), name: "Bank", now: Date())
                let run = ConsentFlowTests.Running(stack: stack, bank: Caller(server: stack.brokerURL, credential: key.text), bankKey: key.text, clock: clock)
                let person = try fixturePeople()[0].personId.digits
                let id = try await run.createConsent(for: person)
                #expect(try await run.citizen(person).send("POST", "/v1/me/consents/\(id)/grant").status == 200)
                let answer = try await run.bank.send("POST", "/v1/consents/\(id)/bundles")
                #expect(answer.status == 502, "\(answer.text)")
                #expect((answer.json["detail"] as? String)?.contains("agency-tls") == true)
                #expect(try await run.bank.send("GET", "/v1/consents/\(id)").json["uses"] as? Int == 0)
            }
        }
    }

    /// Re-issues the agency's certificate, same key, same names, same CA, but valid only in the past.
    static func replaceWithExpiredCertificate(_ paths: PKIPaths) throws {
        let ca = try Certificate(pemEncoded: String(contentsOf: paths.caCertificate, encoding: .utf8))
        let caKey = try Certificate.PrivateKey(pemEncoded: String(contentsOf: paths.caKey, encoding: .utf8))
        let agencyKey = try Certificate.PrivateKey(pemEncoded: String(contentsOf: paths.agencyKey, encoding: .utf8))
        let now = Date()
        let expired = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: agencyKey.publicKey,
            notValidBefore: now.addingTimeInterval(-30 * 86_400),
            notValidAfter: now.addingTimeInterval(-86_400),
            issuer: ca.subject,
            subject: try DistinguishedName { CommonName("samtykke-mock-tax-agency") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                SubjectAlternativeNames([.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])), .dnsName("localhost")])
                try ExtendedKeyUsage([.serverAuth])
            },
            issuerPrivateKey: caKey
        )
        try expired.serializeAsPEM().pemString.write(to: paths.agencyCertificate, atomically: true, encoding: .utf8)
    }
}
