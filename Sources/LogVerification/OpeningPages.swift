import TransparencyLog

/// An auditor's openings for `BundledPass`, fetched a few entry bundles' worth per request and
/// handed to each bundle's task: a broker spends more on a request than on the openings of one
/// bundle of 256, so fewer requests leave it more for reading them.
actor OpeningPages {
    private let source: any AuditorOpeningSource
    private let size: UInt64
    /// Pages being fetched or fetched, with the bundles that have not taken theirs yet.
    private var pages: [UInt64: (fetch: Task<[ServedOpening], any Error>, waiting: Int)] = [:]

    /// Bundles per page: 768 openings, within the 1000 the broker answers at most at once.
    static let bundlesPerPage: UInt64 = 3

    init(source: any AuditorOpeningSource, size: UInt64) {
        self.source = source
        self.size = size
    }

    /// The page holding the openings of `bundle`: every opening at index ≥ the page's first entry,
    /// up to as many as the page has entries, so it holds all of `bundle`'s (and maybe some
    /// after it, when entries have none). Each bundle asks once; a page is dropped when its last
    /// bundle has it.
    func page(holding bundle: UInt64) async throws -> [ServedOpening] {
        let width = UInt64(TilePath.fullWidth)
        let page = bundle / Self.bundlesPerPage
        if pages[page] == nil {
            let first = page * Self.bundlesPerPage * width
            let entries = min(Self.bundlesPerPage * width, size - first)
            let source = source
            pages[page] = (Task { try await source.openings(start: first, limit: Int(entries)) }, Int((entries + width - 1) / width))
        }
        pages[page]!.waiting -= 1
        let fetch = pages[page]!.fetch
        if pages[page]!.waiting == 0 { pages[page] = nil }
        return try await fetch.value
    }
}
