// Many datagrams per system call on a LoopbackUdp: recvmmsg into fixed slots, sendmmsg from fixed slots. The relay's
// user plane uses them so that a wake-up costs one call per socket and direction, not one per datagram
// (docs/performance/agents.md, "User plane"); the load tool and its echo server use the same calls, so the direct
// echo baseline is measured with the same technique as the relay.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "prose/agents/loopback_udp.h"
#include "prose/util/bytes.h"

namespace prose::agents {

inline constexpr std::size_t kUdpBatchSlots = 64;
inline constexpr std::size_t kMaxUdpPayload = 65507;

class UdpReceiveBatch {
 public:
  explicit UdpReceiveBatch(std::size_t slot_size, std::size_t slots = kUdpBatchSlots);
  // The datagrams queued on `u`, at most slots() of them, in one recvmmsg (MSG_DONTWAIT); their number. Fewer than
  // slots() means the socket's queue was empty when the call returned. Datagrams longer than the slot size are cut
  // (flagged: truncated(i)). The views stay valid until the next receive.
  std::size_t receive(const LoopbackUdp& u);
  std::size_t slots() const { return msgs_.size(); }
  ByteView datagram(std::size_t i) const { return ByteView(buf_.get() + i * slot_size_, msgs_[i].msg_len); }
  std::uint16_t from_port(std::size_t i) const;
  bool truncated(std::size_t i) const { return (msgs_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0; }

 private:
  std::size_t slot_size_;
  std::unique_ptr<std::uint8_t[]> buf_;  // not zeroed: only the octets a datagram fills are touched
  std::vector<iovec> iov_;
  std::vector<sockaddr_storage> from_;
  std::vector<mmsghdr> msgs_;
};

class UdpSendBatch {
 public:
  explicit UdpSendBatch(std::size_t slot_size, std::size_t slots = kUdpBatchSlots);
  // The next free slot's buffer (slot_size() octets) for a datagram to 127.0.0.1:port; commit(n) queues its first
  // n octets. The caller flushes when full() before asking for another slot.
  std::uint8_t* slot() { return buf_.get() + used_ * slot_size_; }
  void commit(std::uint16_t port, std::size_t n);
  // Copies `b` into the next slot (flushing first when all are taken); false when it does not fit a slot.
  bool add(const LoopbackUdp& u, std::uint16_t port, ByteView b);
  bool full() const { return used_ == msgs_.size(); }
  bool empty() const { return used_ == 0; }
  std::size_t slot_size() const { return slot_size_; }
  // Sends the queued datagrams in order with sendmmsg; the number the kernel took (the rest are dropped, as a
  // full socket buffer drops a single sendto's datagram).
  std::size_t flush(const LoopbackUdp& u);

 private:
  std::size_t slot_size_;
  std::size_t used_ = 0;
  std::unique_ptr<std::uint8_t[]> buf_;
  std::vector<iovec> iov_;
  std::vector<sockaddr_in> to_;
  std::vector<mmsghdr> msgs_;
};

}  // namespace prose::agents
