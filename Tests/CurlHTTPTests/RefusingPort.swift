#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A loopback port that is bound but never listened on: connecting is refused every time,
/// and no other test can take the port while this holds it. With `listening`, it is listened on
/// but never accepted from: the kernel completes TCP connections, and then nothing ever answers,
/// so a TLS handshake never ends.
final class RefusingPort {
    let port: Int
    private let descriptor: Int32

    init(listening: Bool = false) throws {
        #if canImport(Glibc)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw SocketFailure(errno: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound, !listening || listen(descriptor, 16) == 0 else {
            let failure = SocketFailure(errno: errno)
            close(descriptor)
            throw failure
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit {
        close(descriptor)
    }

    struct SocketFailure: Error {
        let errno: Int32
    }
}
