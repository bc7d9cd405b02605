/// What `samtykke --version`, `samtykke_build_info` and the start-up log line report.
public enum BuildInfo {
    public static let version = "0.1.0"
}
