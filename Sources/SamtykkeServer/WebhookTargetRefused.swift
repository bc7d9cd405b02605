/// A webhook URL the broker will not send to, and why (a 400 naming `url` over HTTP).
public struct WebhookTargetRefused: Error, Hashable, CustomStringConvertible {
    public let reason: String

    public var description: String { "webhook URL refused: it \(reason)" }
}
