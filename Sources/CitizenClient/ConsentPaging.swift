import SamtykkeAPI

/// `consent list --limit`: the broker's pages, fetched only as far as the limit needs.
public enum ConsentPaging {
    /// The largest page asked for: the broker's default page, which every broker serves.
    public static let pageSize = 100
    /// `--limit` when none is given: a screenful or two.
    public static let defaultLimit = 50
    /// `--limit` at most: beyond it a list is for `--json` and a script, not a person.
    public static let maximumLimit = 1000

    public struct Result: Sendable {
        public let consents: [ConsentView]
        /// Whether the broker holds more than were fetched.
        public let more: Bool
    }

    /// Asks `fetch` for pages of at most `pageSize` (and never more than are still wanted), each after
    /// the last one's cursor, until `limit` consents are in hand or the broker has no more.
    public static func collect(limit: Int, fetch: (_ size: Int, _ after: String?) async throws -> ConsentPage) async rethrows -> Result {
        var consents: [ConsentView] = []
        var after: String?
        repeat {
            let page = try await fetch(min(pageSize, limit - consents.count), after)
            consents += page.consents.prefix(limit - consents.count)
            after = page.next
        } while after != nil && consents.count < limit
        return Result(consents: consents, more: after != nil)
    }
}
