import ArgumentParser
import Logging

/// `--log-level` is parsed, not looked up: a misspelt level is refused instead of quietly meaning
/// `info` (as the Hummingbird template does it).
extension Logger.Level: @retroactive ExpressibleByArgument {}
