import Foundation
import Hummingbird
import LogRelease
import Logging
import NIOSSL
import SamtykkeCore
import SamtykkeJOSE

/// `GET /v1/persons/{personId}/tax-data`: the one thing the agency serves, and only to the holder of
/// a valid consent token bound to the client certificate of the connection it arrives on.
///
/// The token and its binding are checked before the path is even looked at, so a caller without a
/// valid token learns nothing about a person, not even whether the number is well formed.
struct TaxDataRoute: Sendable {
    let people: PeopleFixtures
    let verifier: JWSVerifier
    let issuer: String
    let audience: String
    let clockSkew: TimeInterval
    let release: ReleaseGate?

    func handle(_ request: Request, context: AgencyRequestContext) async throws -> Response {
        let coverage: ConsentTokenClaims.Coverage
        let claims: ConsentTokenClaims
        do {
            (claims, coverage) = try await authorize(request, context: context)
        } catch {
            context.logger.notice("request refused", metadata: ["status": "\(error.status.code)", "reason": "\(error.detail)"])
            throw error
        }
        var logger = context.logger
        logger[metadataKey: "consent"] = "\(coverage.consentId)"
        logger[metadataKey: "bank"] = "\(coverage.bankOrg)"
        // The broker's W3C trace context, so a test (or a person) can follow a call across both.
        if let traceparent = request.headers.first(where: { $0.name.canonicalName == "traceparent" }) { logger[metadataKey: "traceparent"] = "\(traceparent.value)" }
        let requested: PersonID
        do {
            requested = try PersonID(context.parameters.get("personId") ?? "")
        } catch {
            logger.notice("request refused: malformed personId in path")
            throw Problem.invalidPersonId(error.reason)
        }
        guard requested == coverage.personId else {
            logger.notice("request refused: token is for another person")
            throw Problem.personMismatch
        }
        if let release { try await releaseAgainstLog(release, claims: claims, coverage: coverage, logger: logger) }
        guard let person = people.person(requested) else {
            logger.notice("request refused: no records for the person")
            throw Problem.unknownPerson
        }
        let answer = TaxData(
            personId: person.personId,
            years: person.years,
            notAssessed: coverage.years.filter { person.years[String($0)] == nil }
        ).restricted(to: coverage.scopes, years: coverage.years)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = try encoder.encode(answer)
        logger.info(
            "tax data served",
            metadata: [
                "scopes": "\(coverage.scopes.map(\.rawValue).joined(separator: ","))",
                "years": "\(answer.years.keys.sorted().joined(separator: ","))",
                "notAssessed": "\(answer.notAssessed.map(String.init).joined(separator: ","))",
            ]
        )
        return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The token's coverage, once the token is present, signed by the broker, valid now, and bound to
    /// this connection's client certificate.
    private func authorize(_ request: Request, context: AgencyRequestContext) async throws(Problem) -> (ConsentTokenClaims, ConsentTokenClaims.Coverage) {
        guard let token = Self.bearerToken(request.headers[.authorization]) else { throw .missingToken }
        let coverage: ConsentTokenClaims.Coverage
        let claims: ConsentTokenClaims
        do {
            claims = try await verifier.verify(token, as: ConsentTokenClaims.self, typ: ConsentTokenClaims.typ)
            coverage = try claims.validate(issuer: issuer, audience: audience, now: Date(), skew: clockSkew)
        } catch {
            throw .invalidToken(error.description)
        }
        guard let presented = await Self.clientCertificateThumbprint(of: context) else {
            throw .certificateMismatch("the connection carries no client certificate")
        }
        guard presented == claims.cnf.x5tS256 else {
            throw .certificateMismatch("cnf.x5t#S256 does not match the client certificate of this connection")
        }
        return (claims, coverage)
    }

    /// SPEC §5: the token's `tlog` proof checked against the policy, its entry opened and matched to
    /// the token, the monitor asked, and the release recorded; a refusal names the check.
    private func releaseAgainstLog(_ gate: ReleaseGate, claims: ConsentTokenClaims, coverage: ConsentTokenClaims.Coverage, logger: Logger) async throws(Problem) {
        do throws(ReleaseRefusal) {
            let claim = try claims.tlog.map { json throws(ReleaseRefusal) in try ReleaseClaim(json: json) }
            let consentId: ConsentID
            let tag: ConsentTag
            do {
                consentId = try ConsentID(coverage.consentId)
                tag = try ConsentTag(base64URL: claims.consent_tag ?? "", field: "consent_tag")
            } catch {
                throw ReleaseRefusal(claim == nil ? .proof : .entry, claim == nil ? "the token carries no tlog proof of a data.requested entry" : "the token's consent id or consent_tag: \(error)")
            }
            let subject = ReleaseSubject(
                consentId: consentId, personId: coverage.personId, bankOrg: coverage.bankOrg, consentTag: tag,
                scopes: Set(coverage.scopes), years: Set(coverage.years))
            let entry = try await gate.release(claim, for: subject)
            logger.info("released against the log", metadata: ["dataRequested": "\(entry.index)"])
        } catch {
            if let halted = await gate.monitor.haltReason {
                logger.error("the log monitor stopped releasing", metadata: ["reason": "\(halted)"])
            } else {
                logger.notice("request refused: not released against the log", metadata: ["reason": "\(error)"])
            }
            throw Problem.releaseRefused(error)
        }
    }

    /// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive, RFC 9110 §11.1).
    /// On the UTF-8 bytes: a token with release against the log carries its proof, a few
    /// kilobytes, and Foundation's `trimmingCharacters` took a sixth of the agency's CPU on it.
    static func bearerToken(_ header: String?) -> String? {
        guard let header, let space = header.utf8.firstIndex(of: UInt8(ascii: " ")) else { return nil }
        guard header[..<space].lowercased() == "bearer" else { return nil }
        let rest = header.utf8[space...]
        let blank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = rest.firstIndex(where: { !blank($0) }), let last = rest.lastIndex(where: { !blank($0) }) else { return nil }
        return String(header[first...last])
    }

    private static func clientCertificateThumbprint(of context: AgencyRequestContext) async -> String? {
        guard let certificate = await context.peerCertificate(),
            let der = try? certificate.toDERBytes()
        else { return nil }
        return CertificateThumbprint.sha256(der: der)
    }
}
