import Foundation
import SamtykkeCore

/// A JWT's payload read without checking its signature: only to pick words or to match what this
/// program itself sent, never to trust (the broker checks every token it is given).
enum UnverifiedJWT {
    static func payload<T: Decodable>(of token: String, as type: T.Type) -> T? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = Base64URL.decode(String(parts[1])) else { return nil }
        return try? JSONDecoder().decode(T.self, from: Data(payload))
    }
}
