import Foundation
import SamtykkeAPI

/// Consents as the broker's JSON would carry them.
enum Consents {
    static func view(
        id: String = "0b9d3c1e-9a4f-4d7e-8a51-1f0e4c2b7d60", status: String = "pending", purposeText: String = "Car loan",
        bankName: String? = "Demo Sparebank", scopes: [String] = ["income", "debt"], grantedAt: String? = nil,
        statusChangedAt: String = "2026-11-23T12:00:00Z"
    ) throws -> ConsentView {
        var document: [String: Any] = [
            "id": id, "bankOrg": "986352325", "personId": "14830351257",
            "scopes": scopes, "years": [2023, 2024], "purpose": ["code": "loan-application", "text": purposeText],
            "validUntil": "2026-12-01T12:00:00Z", "maxUses": 3, "uses": 1, "status": status, "createdAt": "2026-11-23T12:00:00Z",
            "requestExpiresAt": "2026-11-30T12:00:00Z", "statusChangedAt": statusChangedAt,
        ]
        document["bankName"] = bankName
        document["grantedAt"] = grantedAt
        return try JSONDecoder().decode(ConsentView.self, from: JSONSerialization.data(withJSONObject: document))
    }

    /// `count` consents with ids that differ in their last digits.
    static func many(_ count: Int, purposeText: String = "Car loan") throws -> [ConsentView] {
        try (0..<count).map { try view(id: String(format: "0b9d3c1e-9a4f-4d7e-8a51-%012d", $0), purposeText: purposeText) }
    }
}
