@testable import MockTaxAgency
import Testing
import TestSupport

/// The agency's own record of what reached it stays bounded however long it runs.
@Suite("AgencyTraffic", .sameOnEveryBackend)
struct AgencyTrafficTests {
    @Test("counts every request but keeps only the latest tokens, oldest first")
    func keepsTheLatestTokens() {
        let traffic = AgencyTraffic()
        let total = AgencyTraffic.kept + 5
        for number in 0..<total { traffic.record(token: number == 7 ? nil : "\(number)") }
        #expect(traffic.dataRequests == total)
        let tokens = traffic.tokens
        #expect(tokens.count == AgencyTraffic.kept)
        #expect(tokens.first == "5")
        #expect(tokens.dropFirst(2).first == .some(nil))
        #expect(tokens.last == "\(total - 1)")
    }
}
