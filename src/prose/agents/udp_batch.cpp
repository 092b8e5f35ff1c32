#include "prose/agents/udp_batch.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>

#include "prose/util/loopback.h"

namespace prose::agents {

UdpReceiveBatch::UdpReceiveBatch(std::size_t slot_size, std::size_t slots)
    : slot_size_(slot_size),
      buf_(std::make_unique_for_overwrite<std::uint8_t[]>(slot_size * slots)),
      iov_(slots),
      from_(slots),
      msgs_(slots) {}

std::size_t UdpReceiveBatch::receive(const LoopbackUdp& u) {
  for (std::size_t i = 0; i < msgs_.size(); ++i) {
    iov_[i] = iovec{buf_.get() + i * slot_size_, slot_size_};
    msgs_[i] = mmsghdr{};
    msgs_[i].msg_hdr.msg_iov = &iov_[i];
    msgs_[i].msg_hdr.msg_iovlen = 1;
    msgs_[i].msg_hdr.msg_name = &from_[i];
    msgs_[i].msg_hdr.msg_namelen = sizeof from_[i];
  }
  int n = 0;
  do {
    n = ::recvmmsg(u.fd(), msgs_.data(), static_cast<unsigned>(msgs_.size()), MSG_DONTWAIT, nullptr);
  } while (n < 0 && errno == EINTR);
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

std::uint16_t UdpReceiveBatch::from_port(std::size_t i) const {
  const auto& a = from_[i];
  if (a.ss_family != AF_INET) return 0;
  return ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
}

UdpSendBatch::UdpSendBatch(std::size_t slot_size, std::size_t slots)
    : slot_size_(slot_size),
      buf_(std::make_unique_for_overwrite<std::uint8_t[]>(slot_size * slots)),
      iov_(slots),
      to_(slots),
      msgs_(slots) {}

void UdpSendBatch::commit(std::uint16_t port, std::size_t n) {
  to_[used_] = loopback_address(port);
  iov_[used_] = iovec{buf_.get() + used_ * slot_size_, std::min(n, slot_size_)};
  msgs_[used_] = mmsghdr{};
  msgs_[used_].msg_hdr.msg_iov = &iov_[used_];
  msgs_[used_].msg_hdr.msg_iovlen = 1;
  msgs_[used_].msg_hdr.msg_name = &to_[used_];
  msgs_[used_].msg_hdr.msg_namelen = sizeof to_[used_];
  ++used_;
}

bool UdpSendBatch::add(const LoopbackUdp& u, std::uint16_t port, ByteView b) {
  if (b.size() > slot_size_) return false;
  if (full()) flush(u);
  std::copy(b.begin(), b.end(), slot());
  commit(port, b.size());
  return true;
}

std::size_t UdpSendBatch::flush(const LoopbackUdp& u) {
  std::size_t next = 0, taken = 0;
  while (next < used_) {
    const int n = ::sendmmsg(u.fd(), msgs_.data() + next, static_cast<unsigned>(used_ - next), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ++next;  // this datagram cannot go (a pending ICMP error, a full buffer): dropped, the rest still go
      continue;
    }
    next += static_cast<std::size_t>(n);
    taken += static_cast<std::size_t>(n);
  }
  used_ = 0;
  return taken;
}

}  // namespace prose::agents
