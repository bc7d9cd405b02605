/// What a citizen can do to a consent that names them: the last segment of its route
/// (`POST /v1/me/consents/{id}/grant`).
public enum CitizenAction: String, Sendable, Hashable, CaseIterable {
    case grant, deny, revoke
}
