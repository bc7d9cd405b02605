/// The rule for a `jti` the broker must remember as used (grant assertions, DPoP proofs): every
/// instance stores it until its credential expires, so its size is bounded before it is stored.
enum SingleUseID {
    static let maxBytes = 256

    static func check(_ jti: String) throws(JOSEError) {
        guard !jti.isEmpty, jti.utf8.count <= maxBytes else { throw .claim("jti must be 1 to \(maxBytes) bytes") }
    }
}
