/// Metrics an agency client reports, named here so the broker's `/metrics` can describe them without
/// linking the client that counts them.
public enum AgencyMetric {
    /// Counts the connections opened to the agency, those whose handshake failed too: each is a TLS
    /// handshake, so a rate well above the pool's size means connections are not being reused, and
    /// one climbing with `samtykke_agency_errors_total{reason="agency-tls"}` means handshakes fail.
    public static let tlsHandshakes = "samtykke_agency_tls_handshakes_total"
}
