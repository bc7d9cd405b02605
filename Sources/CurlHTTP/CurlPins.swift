/// `CurlRequest.pinnedAddresses` as libcurl takes them. CURLOPT_RESOLVE names the host up to its
/// first colon, so it cannot pin an IPv6 literal host (`[::1]:443:[::1]` is "Couldn't parse
/// CURLOPT_RESOLVE entry", libcurl 7.88); CURLOPT_CONNECT_TO matches such a host in brackets and
/// sends the connection to the one address a literal has.
struct CurlPins: Equatable {
    var resolve: [String] = []
    var connectTo: [String] = []

    init(_ pins: [String]) {
        for pin in pins {
            guard pin.hasPrefix("["), let close = pin.firstIndex(of: "]") else {
                resolve.append(pin)
                continue
            }
            let host = pin[...close]
            let rest = pin[pin.index(after: close)...].split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard rest.count == 3, rest[0].isEmpty, let address = rest[2].split(separator: ",").first else {
                resolve.append(pin)  // not a pin this type knows: libcurl says what is wrong with it
                continue
            }
            connectTo.append("\(host):\(rest[1]):\(address):\(rest[1])")
        }
    }
}
