/// A webhook URL the broker will not send to, and why (a 400 naming `url` over HTTP).
public struct WebhookTargetRefused: Error, Hashable, CustomStringConvertible {
    public let reason: String

    package init(reason: String) {
        self.reason = reason
    }

    public var description: String { "webhook URL refused: it \(reason)" }
}
