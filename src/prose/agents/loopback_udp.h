// A non-blocking UDP socket on 127.0.0.1: the PC5 emulation's sidelink, the agents' upstream and MIKEY sockets,
// and the relay load tool's emulated UEs and echo server.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>

#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose::agents {

class LoopbackUdp {
 public:
  LoopbackUdp() = default;
  LoopbackUdp(const LoopbackUdp&) = delete;
  LoopbackUdp& operator=(const LoopbackUdp&) = delete;
  ~LoopbackUdp();

  // Binds 127.0.0.1:port (0: an ephemeral port; port() tells which). kIo with the system's reason.
  Status bind(std::uint16_t port);
  // SO_RCVBUF and SO_SNDBUF of `bytes` each, best effort (Linux caps them at net.core.rmem_max / wmem_max).
  void set_buffers(int bytes) const;
  // True when the whole datagram was handed to the kernel.
  bool send_to(std::uint16_t port, ByteView b) const;
  // One queued datagram into buf (payload size; 0 when nothing is queued), and its sender's port.
  std::size_t recv_into(std::uint8_t* buf, std::size_t cap, std::uint16_t* from_port = nullptr) const;
  // One queued datagram and its sender's port; nullopt when nothing (or an empty datagram) is queued.
  std::optional<std::pair<Bytes, std::uint16_t>> recv() const;
  // Waits up to ms milliseconds for a datagram; true when one is queued.
  bool wait(int ms) const;
  int fd() const { return fd_; }
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace prose::agents
