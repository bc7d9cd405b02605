import SamtykkeCore

/// A page of consents: the viewer's own, optionally of one status, after a cursor.
public struct ConsentQuery: Sendable, Hashable {
    public enum Order: String, Sendable, Hashable, CaseIterable {
        case newestFirst = "newest"
        case oldestFirst = "oldest"
    }

    public var viewer: Viewer
    public var status: ConsentStatus?
    /// Only consents the bank gave this reference.
    public var externalReference: ExternalReference?
    public var order: Order
    /// The last consent of the previous page; the page starts after it in `order`.
    public var after: ConsentID?
    public var limit: Int

    public init(
        viewer: Viewer, status: ConsentStatus? = nil, externalReference: ExternalReference? = nil, order: Order = .newestFirst, after: ConsentID? = nil,
        limit: Int = 100
    ) {
        self.viewer = viewer
        self.status = status
        self.externalReference = externalReference
        self.order = order
        self.after = after
        self.limit = limit
    }
}
