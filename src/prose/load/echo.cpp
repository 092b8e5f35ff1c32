#include "prose/load/echo.h"

#include <algorithm>

#include "prose/agents/udp_batch.h"
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
  // recvmmsg in, sendmmsg out: the same calls the relay uses, so the direct echo baseline is UDP at its best.
  thread_ = std::thread([this] {
    agents::UdpReceiveBatch in(agents::kMaxUdpPayload);
    agents::UdpSendBatch out(agents::kMaxUdpPayload);
    while (!stop_) {
      if (!sock_.wait(100)) continue;
      for (bool more = true; more;) {
        const std::size_t n = in.receive(sock_);
        more = n == in.slots();
        for (std::size_t i = 0; i < n; ++i) out.add(sock_, in.from_port(i), in.datagram(i));
        echoed_ += n;  // before the send: a client that has its echo back finds it counted
        out.flush(sock_);
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
  agents::UdpReceiveBatch in(agents::kMaxUdpPayload);
  agents::UdpSendBatch out(agents::kMaxUdpPayload);
  std::uint64_t k = 0;
  auto t0 = Clock::now();
  while (k < total || !flight.pending.empty()) {
    check();
    while (k < total && flight.pending.size() < plan.window) {
      auto ue = static_cast<std::uint32_t>(k % plan.ues), seq = static_cast<std::uint32_t>(k / plan.ues);
      Bytes p = make_payload(ue, seq, plan.size);
      auto key = payload_key(p);
      auto now = Clock::now();
      out.add(s, port, p);
      flight.add(key, std::move(p), now);
      ++st.sent;
      ++k;
    }
    out.flush(s);
    s.wait(10);
    for (bool more = true; more;) {
      const std::size_t n = in.receive(s);
      more = n == in.slots();
      auto now = Clock::now();
      for (std::size_t i = 0; i < n; ++i) {
        const ByteView d = in.datagram(i);
        if (d.size() < 8) {
          ++st.corrupt;
          continue;
        }
        auto it = flight.pending.find(payload_key(d));
        if (it == flight.pending.end()) {
          ++st.late;
          continue;
        }
        if (!std::equal(d.begin(), d.end(), it->second.payload.begin(), it->second.payload.end()))
          ++st.corrupt;
        else
          ++st.received;
        st.rtt.push_back(secs(now - it->second.sent));
        flight.pending.erase(it);
      }
    }
    flight.expire(loss_after, st.lost);
  }
  st.seconds = secs(Clock::now() - t0);
  std::sort(st.rtt.begin(), st.rtt.end());
  return st;
}

}  // namespace prose::load
