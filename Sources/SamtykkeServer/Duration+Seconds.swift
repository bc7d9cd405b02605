extension Duration {
    /// As Prometheus and the access log want it: seconds, as a number.
    package var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
