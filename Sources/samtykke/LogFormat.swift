import ArgumentParser

/// How `serve` writes its log: `text` for people, `json` (one object per line) for log shippers.
enum LogFormat: String, CaseIterable, ExpressibleByArgument {
    case text, json
}
