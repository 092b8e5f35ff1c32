#include "prose/load/echo.h"

#include <algorithm>

#include "prose/load/abort.h"
#include "prose/util/random.h"

namespace prose::load {

double secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

void open_udp(agents::LoopbackUdp& u, std::uint16_t port) {
  if (Status st = u.bind(port); !st.ok()) failure(st.error().message);
  u.set_buffers(8 << 20);
}

Bytes make_payload(std::uint32_t ue, std::uint32_t seq, std::size_t size) {
  Bytes p = random_bytes(size);
  for (int i = 0; i < 4; ++i) {
    p[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(ue >> (24 - 8 * i));
    p[static_cast<std::size_t>(4 + i)] = static_cast<std::uint8_t>(seq >> (24 - 8 * i));
  }
  return p;
}

std::uint64_t payload_key(ByteView p) {
  std::uint64_t k = 0;
  for (std::size_t i = 0; i < 8; ++i) k = (k << 8) | p[i];
  return k;
}

void InFlight::add(std::uint64_t key, Bytes payload, Clock::time_point sent) {
  pending.emplace(key, Pending{sent, std::move(payload)});
  order.emplace_back(sent, key);
}

void InFlight::expire(Clock::duration after, std::uint64_t& lost) {
  auto now = Clock::now();
  while (!order.empty() && (now - order.front().first > after || !pending.count(order.front().second))) {
    if (pending.erase(order.front().second)) ++lost;
    order.pop_front();
  }
}

void EchoServer::start() {
  open_udp(sock_);
  thread_ = std::thread([this] {
    std::uint8_t buf[65536];
    while (!stop_) {
      if (!sock_.wait(100)) continue;
      std::uint16_t from = 0;
      while (std::size_t n = sock_.recv_into(buf, sizeof buf, &from)) {
        sock_.send_to(from, ByteView(buf, n));
        ++echoed_;
      }
    }
  });
}

EchoServer::~EchoServer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

EchoStats direct_echo(std::uint16_t port, const DirectEchoPlan& plan, const std::function<void()>& check) {
  EchoStats st;
  agents::LoopbackUdp s;
  open_udp(s);
  const std::uint64_t total = static_cast<std::uint64_t>(plan.ues) * plan.datagrams;
  InFlight flight;
  const auto loss_after = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(plan.loss_timeout));
  std::uint8_t buf[65536];
  std::uint64_t k = 0;
  auto t0 = Clock::now();
  while (k < total || !flight.pending.empty()) {
    check();
    while (k < total && flight.pending.size() < plan.window) {
      auto ue = static_cast<std::uint32_t>(k % plan.ues), seq = static_cast<std::uint32_t>(k / plan.ues);
      Bytes p = make_payload(ue, seq, plan.size);
      auto key = payload_key(p);
      auto now = Clock::now();
      s.send_to(port, p);
      flight.add(key, std::move(p), now);
      ++st.sent;
      ++k;
    }
    s.wait(10);
    while (std::size_t n = s.recv_into(buf, sizeof buf)) {
      auto now = Clock::now();
      if (n < 8) {
        ++st.corrupt;
        continue;
      }
      auto it = flight.pending.find(payload_key(ByteView(buf, n)));
      if (it == flight.pending.end()) {
        ++st.late;
        continue;
      }
      if (it->second.payload.size() != n || !std::equal(buf, buf + n, it->second.payload.begin()))
        ++st.corrupt;
      else
        ++st.received;
      st.rtt.push_back(secs(now - it->second.sent));
      flight.pending.erase(it);
    }
    flight.expire(loss_after, st.lost);
  }
  st.seconds = secs(Clock::now() - t0);
  std::sort(st.rtt.begin(), st.rtt.end());
  return st;
}

}  // namespace prose::load
