import SamtykkeCore
import SamtykkeStore
import Testing

/// Entry bundles written by the store straight from its rows (C2SP `tlog-tiles`): every stored
/// leaf from the start asked for, each after its length as two big-endian bytes.
extension StoreContractTests {
    @Test(arguments: Backend.available)
    func anEntryBundleIsTheStoredLeavesEachAfterItsLength(_ backend: Backend) async throws {
        try await TestStore.with(backend) { t in
            _ = try await twoPeople(t)
            let rows = try await t.store.logEntries(LogQuery(limit: 100))
            #expect(rows.count == 5)
            for (start, count) in [(0, 5), (1, 3), (2, 256), (5, 4)] {
                let bundle = try await t.store.entryBundle(start: UInt64(start), count: count)
                let expected = rows.dropFirst(start).prefix(count)
                #expect(bundle.first == UInt64(start) && bundle.count == expected.count)
                var written: [UInt8] = []
                for row in expected { written += [UInt8(row.leaf.count >> 8), UInt8(row.leaf.count & 0xFF)] + row.leaf }
                #expect(bundle.bytes == written)
                #expect(bundle.holdsOnlyPublicEntries)
            }
        }
    }
}
