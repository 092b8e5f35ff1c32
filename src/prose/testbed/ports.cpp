#include "prose/testbed/ports.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "prose/util/loopback.h"

namespace prose::testbed {

namespace {

// A socket closed when it goes out of scope.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Result<std::uint16_t> free_port(Proto proto) {
  Fd s{::socket(AF_INET, proto == Proto::kTcp ? SOCK_STREAM : SOCK_DGRAM, 0)};
  if (s.fd < 0) return fail(Errc::kIo, std::string("free_port: socket: ") + std::strerror(errno));
  sockaddr_in a = loopback_address(0);
  socklen_t len = sizeof a;
  if (::bind(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(s.fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    return fail(Errc::kIo, std::string("free_port: no free loopback port: ") + std::strerror(errno));
  }
  return ntohs(a.sin_port);
}

std::uint16_t free_port_or_zero(Proto proto) {
  auto p = free_port(proto);
  return p.ok() ? *p : 0;
}

int connect_from(int source, std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  sockaddr_in from = loopback_address(0);
  from.sin_addr.s_addr = htonl(0x7f000000u | static_cast<std::uint32_t>(source));
  sockaddr_in to = loopback_address(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool tcp_accepting(std::uint16_t port) {
  Fd s{::socket(AF_INET, SOCK_STREAM, 0)};
  sockaddr_in a = loopback_address(port);
  return s.fd >= 0 && ::connect(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
}

bool udp_bound(std::uint16_t port) {
  Fd s{::socket(AF_INET, SOCK_DGRAM, 0)};
  sockaddr_in a = loopback_address(port);
  return s.fd >= 0 && ::bind(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno == EADDRINUSE;
}

}  // namespace prose::testbed
