// User data for the relay load test: numbered payloads, the upstream UDP echo server, the bookkeeping of datagrams
// in flight and the direct-echo baseline (the same datagrams straight to the echo server, without the relay).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "prose/agents/loopback_udp.h"
#include "prose/util/bytes.h"

namespace prose::load {

using Clock = std::chrono::steady_clock;

double secs(Clock::duration d);

// A UDP socket of the load tool on 127.0.0.1 (large buffers: bursts of 1,000 UEs' frames); Abort when it cannot bind.
void open_udp(agents::LoopbackUdp& u, std::uint16_t port = 0);

// `size` random octets, the first eight being the UE's number and the sequence number (big-endian): payload_key.
Bytes make_payload(std::uint32_t ue, std::uint32_t seq, std::size_t size);
std::uint64_t payload_key(ByteView p);

// Round-trip results of one echo run (through the relay or straight to the echo server).
struct EchoStats {
  std::uint64_t sent = 0, received = 0, lost = 0, corrupt = 0, late = 0;
  double seconds = 0;
  std::vector<double> rtt;  // seconds, sorted after the run
  double per_s() const { return seconds > 0 ? static_cast<double>(received) / seconds : 0.0; }
};

// Datagrams in flight by payload_key, with the order they were sent in for the loss timeout.
struct InFlight {
  struct Pending {
    Clock::time_point sent;
    Bytes payload;
  };
  std::unordered_map<std::uint64_t, Pending> pending;
  std::deque<std::pair<Clock::time_point, std::uint64_t>> order;

  void add(std::uint64_t key, Bytes payload, Clock::time_point sent);
  // Counts in `lost` and forgets the datagrams sent longer than `after` ago.
  void expire(Clock::duration after, std::uint64_t& lost);
};

// The upstream application server: echoes every datagram to its sender (a thread of this process).
class EchoServer {
 public:
  void start();
  ~EchoServer();
  std::uint16_t port() const { return sock_.port(); }
  std::uint64_t echoed() const { return echoed_; }

 private:
  agents::LoopbackUdp sock_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> echoed_{0};
};

struct DirectEchoPlan {
  std::size_t ues = 0, datagrams = 0, size = 0, window = 1;
  double loss_timeout = 2.0;
};

// The baseline: ues * datagrams datagrams of `size` octets, `window` in flight, straight to the echo server on
// `port`; `check` runs in every round (it throws to give up).
EchoStats direct_echo(std::uint16_t port, const DirectEchoPlan& plan, const std::function<void()>& check);

}  // namespace prose::load
