// LD_PRELOAD shim for Benchmarks/run: counts the TCP connections a process opens to one port, which
// for the broker and the tax agency's port is the number of TLS handshakes it made (libcurl does one
// per new connection; a reused connection makes none).
//
//   SAMTYKKE_BENCH_CONNECT_PORT   the destination port to count
//   SAMTYKKE_BENCH_CONNECT_LOG    a file that gets one byte appended per counted connect(): its size is the count
//
// It never changes what connect() does or returns. Built by Benchmarks/run with the system C compiler.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <errno.h>

typedef int (*connect_fn)(int, const struct sockaddr *, socklen_t);

int connect(int fd, const struct sockaddr *address, socklen_t length) {
    static connect_fn real_connect;
    if (!real_connect) real_connect = (connect_fn)dlsym(RTLD_NEXT, "connect");
    int saved = errno;
    const char *port_text = getenv("SAMTYKKE_BENCH_CONNECT_PORT");
    const char *log_path = getenv("SAMTYKKE_BENCH_CONNECT_LOG");
    if (port_text && log_path && address) {
        int port = atoi(port_text);
        int matches = 0;
        if (address->sa_family == AF_INET && length >= (socklen_t)sizeof(struct sockaddr_in)) {
            matches = ntohs(((const struct sockaddr_in *)address)->sin_port) == port;
        } else if (address->sa_family == AF_INET6 && length >= (socklen_t)sizeof(struct sockaddr_in6)) {
            matches = ntohs(((const struct sockaddr_in6 *)address)->sin6_port) == port;
        }
        if (matches) {
            int log = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
            if (log >= 0) {
                ssize_t ignored = write(log, "c", 1);
                (void)ignored;
                close(log);
            }
        }
    }
    errno = saved;
    return real_connect(fd, address, length);
}
