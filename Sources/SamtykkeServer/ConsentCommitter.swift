import SamtykkeStore

/// The one way a route changes something: a commit onto the consent log that also announces what
/// it logged and explains a consent retention forgot (`Broker.commit`). Controllers that write hold
/// this, not the broker.
protocol ConsentCommitter: Sendable {
    func commit(_ kind: Change.Kind, completing: IdempotencyCompletion?) async throws -> ChangeOutcome
    func commit(_ kind: Change.Kind, claiming: IdempotencyKey?) async throws -> ChangeOutcome
}

extension ConsentCommitter {
    func commit(_ kind: Change.Kind) async throws -> ChangeOutcome {
        try await commit(kind, completing: nil)
    }
}

extension Broker: ConsentCommitter {}
