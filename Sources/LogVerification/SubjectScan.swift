import SamtykkeCore

/// A citizen's pass over the public entries, in index order: the entries tagged with their subject
/// key, and whether the tags agree with the consents (SPEC §4). Every entry of a consent is about
/// its one person, so an entry of the citizen's consent that is not tagged as theirs, or an entry
/// tagged as theirs on a consent whose request was not, is a log that hides or invents something.
struct SubjectScan: Sendable {
    /// The tags of the citizen's consents: from earlier runs, then from each request found.
    private(set) var myTags: Set<ConsentTag>
    private(set) var mine: [PublicEntry] = []
    private(set) var firstBroken: LogVerificationFailure?

    init(myTags: Set<ConsentTag> = []) {
        self.myTags = myTags
    }

    mutating func take(_ entry: PublicEntry, isMine: Bool) {
        guard firstBroken == nil else { return }
        if isMine {
            if entry.type == .consentRequested {
                myTags.insert(entry.consent)
            } else if !myTags.contains(entry.consent) {
                firstBroken = LogVerificationFailure(.wrongSubject(
                    index: entry.index, reason: "is tagged with your subject key, but the request of its consent \(entry.consent) is not"
                ))
                return
            }
            mine.append(entry)
        } else if myTags.contains(entry.consent) {
            firstBroken = LogVerificationFailure(.wrongSubject(
                index: entry.index, reason: "belongs to your consent \(entry.consent), but is not tagged with your subject key"
            ))
        }
    }
}
