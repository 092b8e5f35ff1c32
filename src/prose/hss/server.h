// Thin Asio TCP server around PeerSession: one io_context, one PeerSession per connection. Each connection runs
// the RFC 3539 watchdog (DWR after Tw of silence, closed after another silent Tw; Tw = [server]
// watchdog_interval), and stop() disconnects every open peer with DPR/DPA (RFC 6733 5.4) before closing.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "prose/hss/service.h"

namespace prose::hss {

class DiameterServer {
 public:
  using LogFn = std::function<void(const std::string&)>;
  // Binds and listens (port 0 = any free port). kIo when the address cannot be bound.
  static Result<std::unique_ptr<DiameterServer>> create(HssService& service, const std::string& address,
                                                        std::uint16_t port, LogFn log = {});
  ~DiameterServer();
  std::uint16_t port() const;
  // Serves until stop() (callable from any thread or a signal handler via Asio).
  void run();
  void stop();
  // Installs SIGINT/SIGTERM handling that stops the server gracefully.
  void stop_on_signals();

 private:
  struct Impl;
  explicit DiameterServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace prose::hss
