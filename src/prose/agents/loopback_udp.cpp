#include "prose/agents/loopback_udp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "prose/util/loopback.h"

namespace prose::agents {

LoopbackUdp::~LoopbackUdp() {
  if (fd_ >= 0) ::close(fd_);
}

Status LoopbackUdp::bind(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd_ < 0) return fail(Errc::kIo, std::string("cannot open a UDP socket: ") + std::strerror(errno));
  sockaddr_in a = loopback_address(port);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
    return fail(Errc::kIo, "cannot bind UDP 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno));
  socklen_t len = sizeof a;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  return {};
}

void LoopbackUdp::set_buffers(int bytes) const {
  (void)::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  (void)::setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
}

bool LoopbackUdp::send_to(std::uint16_t port, ByteView b) const {
  sockaddr_in a = loopback_address(port);
  return ::sendto(fd_, b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a) ==
         static_cast<ssize_t>(b.size());
}

std::size_t LoopbackUdp::recv_into(std::uint8_t* buf, std::size_t cap, std::uint16_t* from_port) const {
  sockaddr_in from{};
  socklen_t len = sizeof from;
  ssize_t n = ::recvfrom(fd_, buf, cap, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &len);
  if (n <= 0) return 0;
  if (from_port) *from_port = ntohs(from.sin_port);
  return static_cast<std::size_t>(n);
}

std::optional<std::pair<Bytes, std::uint16_t>> LoopbackUdp::recv() const {
  std::uint8_t buf[65536];  // the largest UDP payload
  std::uint16_t from = 0;
  const std::size_t n = recv_into(buf, sizeof buf, &from);
  if (n == 0) return std::nullopt;
  return std::make_pair(Bytes(buf, buf + n), from);
}

bool LoopbackUdp::wait(int ms) const {
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, ms) > 0;
}

}  // namespace prose::agents
