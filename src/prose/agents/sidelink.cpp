#include "prose/agents/sidelink.h"

#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "prose/agents/trace.h"
#include "prose/discovery/plain.h"
#include "prose/util/random.h"

namespace prose::agents {

// The emulated radio's delay: frames wait in a queue ordered by departure time and a thread sends each when due,
// so the agents' event loops need not know about it.
class DelayLine {
 public:
  using Clock = std::chrono::steady_clock;
  explicit DelayLine(const LoopbackUdp& udp) : udp_(udp), thread_([this] { run(); }) {}
  ~DelayLine() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  void push(Clock::time_point due, std::uint16_t port, Bytes frame) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push(Pending{due, seq_++, port, std::move(frame)});
    }
    cv_.notify_one();
  }

 private:
  struct Pending {
    Clock::time_point due;
    std::uint64_t seq;  // equal departure times keep their sending order
    std::uint16_t port;
    Bytes frame;
    bool operator>(const Pending& o) const { return due != o.due ? due > o.due : seq > o.seq; }
  };
  void run() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      if (queue_.empty()) {
        cv_.wait(lock);
        continue;
      }
      if (Clock::now() < queue_.top().due) {
        cv_.wait_until(lock, queue_.top().due);
        continue;
      }
      Pending p = queue_.top();
      queue_.pop();
      lock.unlock();
      udp_.send_to(p.port, p.frame);
      lock.lock();
    }
  }
  const LoopbackUdp& udp_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> queue_;
  std::uint64_t seq_ = 0;
  bool stop_ = false;
  std::thread thread_;  // last: starts after the members it uses
};

// The sidelink socket's buffers: a burst of frames (1,000 Remote UEs sending their DCR at once) must not overflow
// Linux's default 208 KiB receive buffer (docs/performance/agents.md). Linux caps SO_RCVBUF/SO_SNDBUF at
// net.core.rmem_max/wmem_max; SO_*BUFFORCE goes beyond with CAP_NET_ADMIN and is tried only then.
namespace {

constexpr int kSidelinkBufferSize = 4 << 20;

void set_socket_buffer(int fd, int opt, int force_opt, const char* what, const char* sysctl) {
  int want = kSidelinkBufferSize;
  (void)::setsockopt(fd, SOL_SOCKET, opt, &want, sizeof want);
  auto granted = [&] {
    int got = 0;
    socklen_t len = sizeof got;
    if (::getsockopt(fd, SOL_SOCKET, opt, &got, &len) != 0) return want;
    return got / 2;  // the kernel doubles the size asked for (bookkeeping overhead) and reports the double
  };
  if (granted() >= want) return;
  (void)::setsockopt(fd, SOL_SOCKET, force_opt, &want, sizeof want);  // fails without CAP_NET_ADMIN: ignored
  if (const int g = granted(); g < want)
    evt("info", std::string("sidelink ") + what + " buffer " + std::to_string(g / 1024) + " KiB, asked for " +
                    std::to_string(want / 1024) + " KiB (limited by " + sysctl + ")");
}

}  // namespace

Sidelink::Sidelink(SidelinkConfig c) : cfg_(std::move(c)) {}
Sidelink::~Sidelink() = default;

Status Sidelink::open() {
  PROSE_TRY_STATUS(udp_.bind(cfg_.port));
  set_socket_buffer(udp_.fd(), SO_RCVBUF, SO_RCVBUFFORCE, "receive", "net.core.rmem_max");
  set_socket_buffer(udp_.fd(), SO_SNDBUF, SO_SNDBUFFORCE, "send", "net.core.wmem_max");
  if (cfg_.delay_ms > 0 || cfg_.jitter_ms > 0) delay_ = std::make_unique<DelayLine>(udp_);
  return ok_status();
}

void Sidelink::send(std::uint32_t src, std::uint32_t dst, ByteView pdu) {
  if (cfg_.peers.empty()) return;
  std::uint8_t buf[kMaxFrameSize];
  auto n = encode_frame_into(src, dst, pdu, buf);
  if (!n.ok()) return;
  const ByteView f(buf, *n);
  if (g_capture) {
    auto heard = ports_.find(dst);
    cap(udp_.port(), heard != ports_.end() ? heard->second : cfg_.peers.front(), f);
  }
  for (auto p : cfg_.peers) {
    if (cfg_.loss > 0 && static_cast<double>(random_u32()) / 4294967296.0 < cfg_.loss) continue;
    if (delay_) {
      std::uint32_t extra = cfg_.jitter_ms > 0 ? random_u32() % (cfg_.jitter_ms + 1) : 0;
      delay_->push(DelayLine::Clock::now() + std::chrono::milliseconds(cfg_.delay_ms + extra), p,
                   Bytes(f.begin(), f.end()));
      continue;
    }
    transmit(p, f);
  }
}

void Sidelink::transmit(std::uint16_t port, ByteView frame) {
  if (!batching_) {
    udp_.send_to(port, frame);
    return;
  }
  if (!out_) out_ = std::make_unique<UdpSendBatch>(kMaxFrameSize);
  out_->add(udp_, port, frame);
}

void Sidelink::flush() {
  if (out_ && !out_->empty()) out_->flush(udp_);
}

bool Sidelink::receive(std::vector<FrameView>& out) {
  out.clear();
  if (!in_) in_ = std::make_unique<UdpReceiveBatch>(kMaxFrameSize);
  const std::size_t n = in_->receive(udp_);
  for (std::size_t i = 0; i < n; ++i) {
    if (in_->truncated(i)) continue;
    auto f = decode_frame_view(in_->datagram(i));
    if (!f.ok()) continue;
    if (g_capture && f->src != discovery::kBroadcastL2Id) {  // the capture's destination ports
      auto [it, added] = ports_.try_emplace(f->src, in_->from_port(i));
      if (!added) it->second = in_->from_port(i);
    }
    out.push_back(*f);
  }
  return n == in_->slots();
}

std::optional<Frame> Sidelink::recv() {
  auto r = udp_.recv();
  if (!r) return std::nullopt;
  auto f = decode_frame(r->first);
  if (!f.ok()) return std::nullopt;
  if (f->src != discovery::kBroadcastL2Id) ports_[f->src] = r->second;
  return std::move(*f);
}

void send_pdu(Sidelink& sl, std::uint32_t src, std::uint32_t dst, ByteView pdu, std::uint8_t type) {
  const bool signalling = type != 0;
  if (g_capture && signalling) pc5_line(src, dst, type);
  // The lines that led to a signalling message are out before the peer can answer it (prose demo's trace keeps
  // the causal order); user data keeps the relay's one flush per wake-up.
  if (signalling) flush_lines();
  sl.send(src, dst, pdu);
}

void send_pdus(Sidelink& sl, std::uint32_t src, std::uint32_t dst, const link::Output& o) {
  for (std::size_t i = 0; i < o.pdus.size(); ++i)
    send_pdu(sl, src, dst, o.pdus[i], i < o.pdu_types.size() ? o.pdu_types[i] : std::uint8_t{0});
}

void run_discovery_actions(Sidelink& sl, std::uint32_t src, service::DiscoveryActions actions) {
  for (auto& a : actions) {
    if (auto* t = std::get_if<service::Transmit>(&a)) {
      if (t->dst != discovery::kBroadcastL2Id) flush_lines();
      sl.send(src, t->dst, t->pdu);
    } else if (auto* m = std::get_if<service::TraceMessage>(&a)) {
      trace(*m);
    } else if (auto* e = std::get_if<service::TraceEvent>(&a)) {
      trace(*e);
    }
  }
}

}  // namespace prose::agents
