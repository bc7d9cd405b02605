import Foundation
import SamtykkeCore
import Synchronization

/// The parties every suite and the benchmarks talk about: two banks with valid organisation numbers
/// and two people of Fixtures/people.json (the mock agency knows them; an in-process agency need not).
public enum TestParties {
    public static let bankOrg = "986352325"
    public static let otherBankOrg = "974760673"
    public static let person = "14830351257"
    public static let otherPerson = "02879423174"
}

/// A valid consent request from a bank for `person`, as the bank's JSON body.
public func consentRequest(
    for person: String, scopes: [String] = ["income", "debt"], years: [Int] = [2023, 2024], maxUses: Int = 2, validFor: TimeInterval = 5 * 86_400,
    now: Date = Date()
) -> [String: Any] {
    [
        "personId": person,
        "scopes": scopes,
        "years": years,
        "purpose": ["code": "loan-application", "text": "Refinancing a mortgage"],
        "validUntil": RFC3339.string(from: now.addingTimeInterval(validFor)),
        "maxUses": maxUses,
    ]
}

/// A clock tests move by hand, to reach `validUntil` without waiting.
public final class TestClock: Sendable {
    private let offset = Mutex<TimeInterval>(0)

    public init() {}
    public func advance(by seconds: TimeInterval) { offset.withLock { $0 += seconds } }
    public func now() -> Date { Date().addingTimeInterval(offset.withLock { $0 }) }
}
