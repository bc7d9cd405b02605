import CitizenClient
import SamtykkeAPI
import Testing
import TestSupport

/// `consent list --limit`: pages fetched only as far as the limit needs.
@Suite(.sameOnEveryBackend) struct ConsentPagingTests {
    /// A broker holding `held` consents, newest first, that records the page sizes it was asked for.
    actor Broker {
        let consents: [ConsentView]
        var asked: [Int] = []
        init(holding held: Int) throws { consents = try Consents.many(held) }

        func page(size: Int, after: String?) -> ConsentPage {
            asked.append(size)
            let start = after.flatMap { cursor in consents.firstIndex { $0.id == cursor }.map { $0 + 1 } } ?? 0
            let page = Array(consents[start...].prefix(size))
            return ConsentPage(consents: page, next: start + page.count < consents.count ? page.last?.id : nil)
        }
    }

    @Test(arguments: [
        (held: 250, limit: 50, asked: [50], shown: 50, more: true),
        (held: 250, limit: 150, asked: [100, 50], shown: 150, more: true),
        (held: 250, limit: 1000, asked: [100, 100, 100], shown: 250, more: false),
        (held: 100, limit: 100, asked: [100], shown: 100, more: false),
        (held: 0, limit: 50, asked: [50], shown: 0, more: false),
    ])
    func pagesStopAtTheLimit(held: Int, limit: Int, asked: [Int], shown: Int, more: Bool) async throws {
        let broker = try Broker(holding: held)
        let result = await ConsentPaging.collect(limit: limit) { size, after in await broker.page(size: size, after: after) }
        #expect(await broker.asked == asked)
        #expect(result.consents.count == shown && result.more == more)
        #expect(result.consents.map(\.id) == Array(broker.consents.prefix(shown).map(\.id)))
    }
}
