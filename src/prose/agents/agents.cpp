#include "prose/agents/agents.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <thread>

#include "prose/agents/frame.h"
#include "prose/agents/loopback_udp.h"
#include "prose/agents/pkmf_workers.h"
#include "prose/agents/protected_discovery.h"
#include "prose/crypto/milenage.h"
#include "prose/gba/gpi.h"
#include "prose/keylog/keylog.h"
#include "prose/keys/prose_keys.h"
#include "prose/link/gba_gpi_processor.h"
#include "prose/link/relay.h"
#include "prose/link/remote_ue.h"
#include "prose/mikey/constants.h"
#include "prose/mikey/delivery.h"
#include "prose/net/client.h"
#include "prose/pc5/constants.h"
#include "prose/pc8/codec.h"
#include "prose/pc8/constants.h"
#include "prose/prosefn/client.h"
#include "prose/service/key_store.h"
#include "prose/service/timer_queue.h"
#include "prose/util/hex.h"
#include "prose/util/random.h"

namespace prose::agents {
namespace {

using service::KeyStore;
using service::PkmfKeys;
using service::StoredPruk;
using service::TimerQueue;

std::atomic<bool> g_stop{false};
std::atomic<bool> g_rebind{
    false}; // SIGHUP: the Remote UE's address changes (new MIKEY socket)
std::atomic<bool> g_stop_delivery{
    false}; // SIGUSR1: the Remote UE gives up PRUK delivery
void on_signal(int) { g_stop = true; }
void on_hup(int) { g_rebind = true; }
void on_usr1(int) { g_stop_delivery = true; }
void install_signals() {
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGHUP, on_hup);
  std::signal(SIGUSR1, on_usr1);
}

link::TimePoint now() {
  return std::chrono::time_point_cast<link::Millis>(
      std::chrono::steady_clock::now());
}

// [log] capture: CAP lines on or off (prose demo builds its pcap from them; a
// production relay turns them off).
std::atomic<bool> g_capture{true};
// Off in the relay's event loop, which flushes once before it waits (and before
// a PC8 call) instead of once per line: with stdout in a file, a flush per line
// is a write(2) per line.
std::atomic<bool> g_flush_each_line{true};

// PROSE_LINE_TIMES set (prose demo sets it): every line starts with "@<unix
// time, us>|", so that the lines of several agents can be merged in the order
// they were written (agents.h).
const bool g_line_times = std::getenv("PROSE_LINE_TIMES") != nullptr;

void flush_lines() { std::fflush(stdout); }

std::function<void(const std::string &)> g_line_writer;

void line(const std::string &s) {
  if (g_line_writer) {
    g_line_writer(s);
    return;
  }
  std::string l;
  if (g_line_times)
    l = "@" +
        std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count()) +
        "|";
  l += s + "\n"; // one write: the sidelink's delay thread logs too
  std::fwrite(l.data(), 1, l.size(), stdout);
  if (g_flush_each_line)
    std::fflush(stdout);
}
void msc(const std::string &from, const std::string &to,
         const std::string &text) {
  line("MSC|" + from + "|" + to + "|" + text);
}
void evt(const std::string &name, const std::string &text) {
  line("EVT|" + name + "|" + text);
}
// The sender's clock goes with each captured datagram, so that the demo's pcap
// orders them as they were sent.
void cap(std::uint16_t src, std::uint16_t dst, ByteView payload) {
  if (!g_capture)
    return;
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  line("CAP|" + std::to_string(src) + "|" + std::to_string(dst) + "|" +
       std::to_string(us) + "|" + to_hex(payload));
}

// [log] pc5_keylog / PROSE_KEYLOGFILE: the PC5 key log (prose/keylog), null
// when off.
std::unique_ptr<keylog::Writer> g_keylog;

Status open_keylog(const LogConfig &lg) {
  const std::string path = keylog::resolve_path(lg.pc5_keylog);
  if (path.empty())
    return {};
  PROSE_TRY(g_keylog, keylog::Writer::open(path));
  evt("warning",
      "PC5 key log on: the keys of every PC5 link and of discovery go to " +
          path +
          " (for decrypting captures; anyone who reads it can read the "
          "traffic)");
  return {};
}

void keylog_line(const Result<std::string> &l) {
  if (!g_keylog)
    return;
  Status st = l.ok() ? g_keylog->write_line(*l) : Status(l.error());
  if (!st.ok())
    evt("error", "PC5 key log: " + st.error().to_string());
}

void log_link_keys(std::uint32_t remote_ue_l2, std::uint32_t relay_l2,
                   const link::SessionContext *ctx) {
  if (!g_keylog || ctx == nullptr)
    return;
  keylog::LinkKeys k;
  k.remote_ue_l2 = remote_ue_l2;
  k.relay_l2 = relay_l2;
  k.kd_sess_id = ctx->kd_sess_id();
  k.eea = static_cast<std::uint8_t>(ctx->algorithms().eea);
  k.eia = static_cast<std::uint8_t>(ctx->algorithms().eia);
  k.pek = ctx->pek().clone();
  k.pik = ctx->pik().clone();
  keylog_line(keylog::format(k));
}

std::string hex24(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%06x", v);
  return b;
}
// KD-sess ID (16 bit) and KD ID (32 bit) as on the wire and in Wireshark.
std::string hex16(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%04x", v & 0xffffu);
  return b;
}
std::string hex32(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", v);
  return b;
}
// ", P-TID <hex>" of a GPI (the PRUK ID it delivers), or "" when it does not
// decode.
std::string gpi_p_tid(ByteView gpi) {
  auto d = gba::decode_gpi(gpi);
  return d.ok() ? ", P-TID " + to_hex_u64(d->gpi.p_tid) : std::string();
}

// The emulated radio's delay: frames wait in a queue ordered by departure time
// and a thread sends each when due, so the agents' event loops need not know
// about it.
class DelayLine {
public:
  using Clock = std::chrono::steady_clock;
  explicit DelayLine(const LoopbackUdp &udp)
      : udp_(udp), thread_([this] { run(); }) {}
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
    std::uint64_t seq; // equal departure times keep their sending order
    std::uint16_t port;
    Bytes frame;
    bool operator>(const Pending &o) const {
      return due != o.due ? due > o.due : seq > o.seq;
    }
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
  const LoopbackUdp &udp_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> queue_;
  std::uint64_t seq_ = 0;
  bool stop_ = false;
  std::thread thread_; // last: starts after the members it uses
};

// The sidelink socket's buffers: a burst of frames (1,000 Remote UEs sending
// their DCR at once) must not overflow Linux's default 208 KiB receive buffer
// (docs/performance/agents.md). Linux caps SO_RCVBUF/SO_SNDBUF at
// net.core.rmem_max/wmem_max; SO_*BUFFORCE goes beyond with CAP_NET_ADMIN and
// is tried only then.
constexpr int kSidelinkBufferSize = 4 << 20;

void set_socket_buffer(int fd, int opt, int force_opt, const char *what,
                       const char *sysctl) {
  int want = kSidelinkBufferSize;
  (void)::setsockopt(fd, SOL_SOCKET, opt, &want, sizeof want);
  auto granted = [&] {
    int got = 0;
    socklen_t len = sizeof got;
    if (::getsockopt(fd, SOL_SOCKET, opt, &got, &len) != 0)
      return want;
    return got / 2; // the kernel doubles the size asked for (bookkeeping
                    // overhead) and reports the double
  };
  if (granted() >= want)
    return;
  (void)::setsockopt(fd, SOL_SOCKET, force_opt, &want,
                     sizeof want); // fails without CAP_NET_ADMIN: ignored
  if (const int g = granted(); g < want)
    evt("info", std::string("sidelink ") + what + " buffer " +
                    std::to_string(g / 1024) + " KiB, asked for " +
                    std::to_string(want / 1024) + " KiB (limited by " + sysctl +
                    ")");
}

class Sidelink {
public:
  explicit Sidelink(SidelinkConfig c) : cfg_(std::move(c)) {}
  Status open() {
    PROSE_TRY_STATUS(udp_.bind(cfg_.port));
    set_socket_buffer(udp_.fd(), SO_RCVBUF, SO_RCVBUFFORCE, "receive",
                      "net.core.rmem_max");
    set_socket_buffer(udp_.fd(), SO_SNDBUF, SO_SNDBUFFORCE, "send",
                      "net.core.wmem_max");
    if (cfg_.delay_ms > 0 || cfg_.jitter_ms > 0)
      delay_ = std::make_unique<DelayLine>(udp_);
    return ok_status();
  }
  // The frame goes to every peer (the shared sidelink) but is one transmission:
  // it is captured once, addressed to the port its destination L2 ID was last
  // heard from (else the first peer).
  void send(std::uint32_t src, std::uint32_t dst, ByteView pdu) {
    auto f = encode_frame(Frame{src, dst, Bytes(pdu.begin(), pdu.end())});
    if (!f.ok() || cfg_.peers.empty())
      return;
    auto heard = ports_.find(dst);
    cap(udp_.port(), heard != ports_.end() ? heard->second : cfg_.peers.front(),
        *f);
    for (auto p : cfg_.peers) {
      if (cfg_.loss > 0 &&
          static_cast<double>(random_u32()) / 4294967296.0 < cfg_.loss)
        continue;
      if (delay_) {
        std::uint32_t extra =
            cfg_.jitter_ms > 0 ? random_u32() % (cfg_.jitter_ms + 1) : 0;
        delay_->push(DelayLine::Clock::now() +
                         std::chrono::milliseconds(cfg_.delay_ms + extra),
                     p, *f);
        continue;
      }
      udp_.send_to(p, *f);
    }
  }
  std::optional<Frame> recv() {
    auto r = udp_.recv();
    if (!r)
      return std::nullopt;
    auto f = decode_frame(r->first);
    if (!f.ok())
      return std::nullopt;
    if (f->src != kBroadcastL2Id)
      ports_[f->src] = r->second;
    return std::move(*f);
  }
  int fd() const { return udp_.fd(); }

private:
  SidelinkConfig cfg_;
  LoopbackUdp udp_;
  std::map<std::uint32_t, std::uint16_t>
      ports_; // L2 ID -> the UDP port its frames came from (capture only)
  std::unique_ptr<DelayLine>
      delay_; // after udp_: destroyed (thread joined) before the socket closes
};

// Sends the link machine's PDUs; with capture on, each PC5 signalling message
// is also traced as PC5|<src L2>|<dst L2>|<message name> (the demo counts them
// by type and compares with what Wireshark shows).
void send_pdus(Sidelink &sl, std::uint32_t src, std::uint32_t dst,
               const link::Output &o) {
  for (std::size_t i = 0; i < o.pdus.size(); ++i) {
    const bool signalling = i < o.pdu_types.size() && o.pdu_types[i] != 0;
    if (g_capture && signalling) {
      auto name = pc5::message_type_name(o.pdu_types[i]);
      line("PC5|" + hex24(src) + "|" + hex24(dst) + "|" +
           std::string(name ? *name : "?"));
    }
    // The lines that led to a signalling message are out before the peer can
    // answer it (prose demo's trace keeps the causal order); user data keeps
    // the relay's one flush per wake-up.
    if (signalling)
      flush_lines();
    sl.send(src, dst, o.pdus[i]);
  }
}

// Timers the driver keeps for one machine.
struct Timers {
  std::map<link::TimerId, link::TimePoint> armed;
  void apply(const std::vector<link::TimerCmd> &cmds) {
    for (const auto &c : cmds) {
      if (c.op == link::TimerCmd::Op::kArm)
        armed[c.id] = c.deadline;
      else
        armed.erase(c.id);
    }
  }
  std::optional<link::TimePoint> earliest() const {
    std::optional<link::TimePoint> e;
    for (const auto &[id, t] : armed)
      if (!e || t < *e)
        e = t;
    return e;
  }
  std::vector<link::TimerId> take_due(link::TimePoint t) {
    std::vector<link::TimerId> due;
    for (auto it = armed.begin(); it != armed.end();) {
      if (it->second <= t) {
        due.push_back(it->first);
        it = armed.erase(it);
      } else {
        ++it;
      }
    }
    return due;
  }
};

int poll_timeout(std::optional<link::TimePoint> t, int cap_ms) {
  if (!t)
    return cap_ms;
  auto d =
      std::chrono::duration_cast<std::chrono::milliseconds>(*t - now()).count();
  if (d < 0)
    return 0;
  return static_cast<int>(std::min<long long>(d, cap_ms));
}

Result<std::unique_ptr<net::HttpsClient>>
make_client(const PkmfClientConfig &p) {
  net::HttpsClientConfig c;
  c.host = p.host;
  c.port = p.port;
  c.tls.ca_file = p.ca_file;
  c.tls.cert_file = p.cert_file;
  c.tls.key_file = p.key_file;
  c.tls.server_name = p.server_name;
  c.tls.keylog_file = p.keylog_file;
  c.tls.keylog_from_env = false;
  c.connect_timeout = std::chrono::milliseconds(2000);
  return net::HttpsClient::create(c);
}

// One PC8 exchange (no logging: the relay's PKMF workers run it on their own
// threads).
Result<pc8::Response> pc8_exchange(net::HttpsClient &client,
                                   const pc8::Request &req) {
  PROSE_TRY(std::string body, pc8::Codec::encode(req));
  PROSE_TRY(net::HttpResponse resp,
            client.post("/prose/pc8", pc8::kContentType, body));
  // 503 carries a PC8 response too (temporarily-unavailable: the PKMF's store
  // or HSS/BSF is unreachable).
  const bool pc8_body =
      resp.status == 503 && resp.content_type.rfind(pc8::kContentType, 0) == 0;
  if (resp.status != 200 && !pc8_body)
    return fail(Errc::kIo, "PKMF answered HTTP " + std::to_string(resp.status) +
                               ": " + resp.body.substr(0, 200));
  return pc8::Codec::decode_response(resp.body);
}

Result<pc8::Response> pc8_call(net::HttpsClient &client,
                               const pc8::Request &req) {
  flush_lines(); // the lines before a (possibly slow) PKMF call are out before
                 // it
  return pc8_exchange(client, req);
}

Bytes be_bytes(std::uint64_t v, int n) {
  Bytes b(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    b[static_cast<std::size_t>(i)] =
        static_cast<std::uint8_t>(v >> (8 * (n - 1 - i)));
  return b;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---- ProSe Function (PC3) and discovery keys (PC8)
// -----------------------------------------------------------
Result<std::unique_ptr<net::HttpsClient>>
make_pf_client(const ProseFunctionClientConfig &p) {
  PkmfClientConfig c;
  c.host = p.host;
  c.port = p.port;
  c.ca_file = p.ca_file;
  c.cert_file = p.cert_file;
  c.key_file = p.key_file;
  c.server_name = p.server_name;
  c.keylog_file = p.keylog_file;
  return make_client(c);
}

std::string yes_no(bool b) { return b ? "on" : "off"; }

// Step 0: the parameters of `role` for `rsc` from the ProSe Function; retried
// every second while it cannot be reached. kDenied (logged as EVT|failed) when
// it refuses.
Result<prosefn::RelayServiceParameters>
authorise(const std::string &name, const ProseFunctionClientConfig &pf,
          prosefn::Role role, std::uint32_t rsc) {
  PROSE_TRY(auto client, make_pf_client(pf));
  const std::string role_s(prosefn::role_name(role));
  while (!g_stop) {
    msc(name, "ProSe Function",
        "PC3 Service Authorisation Request (role " + role_s + ", RSC " +
            hex24(rsc) + ") to https://" + pf.host + ":" +
            std::to_string(pf.port));
    auto r = prosefn::fetch_service_parameters(*client, role, {rsc});
    if (!r.ok()) {
      if (r.error().code == Errc::kIo || r.error().code == Errc::kTimeout) {
        evt("error", "ProSe Function unreachable or failed: " +
                         r.error().to_string() + " (retrying)");
        ::sleep(1);
        continue;
      }
      const bool refused = r.error().code == Errc::kDenied;
      msc("ProSe Function", name,
          refused ? "PC3 Service Authorisation Response (refused)"
                  : "PC3 Service Authorisation Response (unusable)");
      std::string m =
          refused ? "ProSe Function refused role " + role_s + " for RSC " +
                        hex24(rsc) + ": " + r.error().message
                  : "ProSe Function request failed: " + r.error().to_string();
      evt("failed", m);
      return fail(refused ? Errc::kDenied : r.error().code, m);
    }
    const prosefn::RelayServiceParameters &p = r->front();
    msc("ProSe Function", name,
        "PC3 Service Authorisation Response (authorised as " + role_s +
            ": PKMF https://" + p.pkmf.host + ":" +
            std::to_string(p.pkmf.port) + " " + p.pkmf.fqdn + ", Model A " +
            yes_no(p.model_a) + ", Model B " + yes_no(p.model_b) +
            ", DUIK/DUSK/DUCK " + yes_no(p.use_duik) + "/" +
            yes_no(p.use_dusk) + "/" + yes_no(p.use_duck) + ", max offset " +
            std::to_string(p.max_offset) + " s)");
    evt("authorised", role_s + " for RSC " + hex24(rsc) + "; PKMF " +
                          p.pkmf.fqdn + " at " + p.pkmf.host + ":" +
                          std::to_string(p.pkmf.port));
    return *r->begin();
  }
  return fail(Errc::kState, "stopped");
}

void use_pf_parameters(const prosefn::RelayServiceParameters &p,
                       PkmfClientConfig &pkmf) {
  pkmf.host = p.pkmf.host;
  pkmf.port = p.pkmf.port;
  pkmf.server_name = p.pkmf.server_name;
  pkmf.fqdn = p.pkmf.fqdn;
}

DiscoverySecuritySettings
security_settings(const prosefn::RelayServiceParameters &p,
                  const ProseFunctionClientConfig &pf) {
  DiscoverySecuritySettings s;
  s.use_dusk = p.use_dusk;
  s.use_duck = p.use_duck;
  if (p.max_offset != 0)
    s.max_offset = p.max_offset;
  s.refresh_before_s = pf.psdk_refresh_before_s;
  return s;
}

// A PC8 Discovery Key Request for the RSC; the PSDK goes into `pd`. Errors are
// logged; the caller defers.
Status fetch_discovery_keys(const std::string &name, net::HttpsClient &client,
                            ProtectedDiscovery &pd, const std::string &why) {
  const std::uint32_t rsc = pd.relay_service_code();
  pc8::DiscoveryKeyRequest r;
  r.transaction_id.value = random_u32();
  r.relay_service_codes.push_back(pc8::RelayServiceCode{rsc});
  std::uint8_t caps = 0; // the cipher module implements every confidentiality
                         // algorithm of the bitmap
  for (const auto &b : pc8::kSecurityCapabilityBits)
    caps |= b.mask;
  r.security_capabilities = caps;
  msc(name, "PKMF",
      "PC8 Discovery Key Request (RSC " + hex24(rsc) + ", " + why + ")");
  auto resp = pc8_call(client, pc8::Request(std::move(r)));
  if (!resp.ok())
    return fail(Errc::kIo,
                "PKMF unreachable or failed: " + resp.error().to_string());
  auto *dr = std::get_if<pc8::DiscoveryKeyResponse>(&*resp);
  if (!dr)
    return fail(Errc::kMalformed, "PKMF answered with another response type");
  if (auto *e = std::get_if<pc8::ErrorCode>(&dr->outcome)) {
    msc("PKMF", name,
        "PC8 Discovery Key Response (error " +
            std::string(pc8::error_code_name(*e)) + ")");
    return fail(Errc::kDenied, "PKMF refused the Discovery Key Request: " +
                                   std::string(pc8::error_code_name(*e)));
  }
  for (const auto &res :
       std::get<std::vector<pc8::DiscoveryKeyResult>>(dr->outcome)) {
    if (res.relay_service_code.value != rsc)
      continue;
    if (auto *e = std::get_if<pc8::ErrorCode>(&res.outcome)) {
      msc("PKMF", name,
          "PC8 Discovery Key Response (RSC " + hex24(rsc) + ": " +
              std::string(pc8::error_code_name(*e)) + ")");
      return fail(Errc::kDenied, "PKMF refused discovery keys for RSC " +
                                     hex24(rsc) + ": " +
                                     std::string(pc8::error_code_name(*e)));
    }
    const auto &g = std::get<pc8::DiscoveryKeyGrant>(res.outcome);
    const std::int64_t expiry = g.expiry.time_since_epoch().count();
    const std::int64_t t = unix_now();
    std::optional<std::uint32_t> id;
    if (g.psdk_id)
      id = g.psdk_id->value;
    // The PKMF's key combination, mask and algorithm override the ProSe
    // Function's settings (24.334 10A).
    PROSE_TRY(PkmfDiscoveryConfig pkmf_cfg, pkmf_discovery_config(g));
    PROSE_TRY_STATUS(pd.install(g.psdk.view(), id, expiry, t, pkmf_cfg));
    if (g_keylog && pd.keys() != nullptr) {
      keylog::DiscoveryKeys k;
      k.relay_service_code = rsc;
      k.eea = static_cast<std::uint8_t>(pd.keys()->eea);
      k.duik = pd.keys()->duik.clone();
      k.dusk = pd.keys()->dusk.clone();
      k.duck = pd.keys()->duck.clone();
      k.encrypted_bits_mask = pd.keys()->encrypted_bits_mask;
      keylog_line(keylog::format(k));
    }
    const std::string id_s = id ? pc8::PsdkId{*id}.hex() : std::string("-");
    msc("PKMF", name,
        "PC8 Discovery Key Response (PSDK ID " + id_s + ", PSDK " +
            g.psdk.fingerprint() + ", expires " + pc8::format_utc(g.expiry) +
            ")");
    std::string used = "; uses DUIK" +
                       std::string(pd.uses_dusk() ? "+DUSK" : "") +
                       (pd.uses_duck() ? "+DUCK" : "");
    if (pd.uses_duck()) {
      used += " EEA" + std::to_string(static_cast<unsigned>(pd.eea()));
      if (!pd.encrypted_bits_mask().empty())
        used += " mask " + to_hex(pd.encrypted_bits_mask());
    }
    used += pkmf_cfg.empty() ? " (ProSe Function settings)"
                             : " (PKMF configuration)";
    evt("psdk",
        "RSC " + hex24(rsc) + " PSDK ID " + id_s + " PSDK " +
            g.psdk.fingerprint() + " expires in " + std::to_string(expiry - t) +
            " s; DUIK/DUSK/DUCK derived, next Discovery Key Request in " +
            std::to_string(pd.next_refresh() - t) + " s" + used);
    return {};
  }
  return fail(Errc::kMalformed,
              "Discovery Key Response without RSC " + hex24(rsc));
}

// Before using discovery keys: ask the PKMF when they are missing, expired or
// about to expire. A refusal by the PKMF is returned (kDenied, logged as
// EVT|failed); other failures are logged and retried later.
Status refresh_discovery_keys(const std::string &name, net::HttpsClient &client,
                              ProtectedDiscovery &pd) {
  const std::int64_t t = unix_now();
  if (!pd.refresh_due(t))
    return {};
  std::string why =
      !pd.psdk_id() && pd.expiry() == 0 ? "no PSDK yet"
      : t >= pd.expiry()
          ? "PSDK expired"
          : "PSDK expires in " + std::to_string(pd.expiry() - t) + " s";
  Status st = fetch_discovery_keys(name, client, pd, why);
  if (st.ok())
    return {};
  if (st.error().code == Errc::kDenied) {
    evt("failed", st.error().message);
    return st;
  }
  evt("error", st.error().message + " (retrying in " +
                   std::to_string(kPsdkRetryIntervalS) + " s)");
  pd.defer(t);
  return {};
}

// Ignored discovery PDUs (forged, replayed, undecodable, out of the window):
// one debug line each, at most kMaxIgnoredLogged lines, then only counted.
class IgnoredLog {
public:
  void note(std::uint32_t src, const Error &e) {
    ++count_;
    if (count_ <= kMaxIgnoredLogged)
      evt("debug",
          "discovery PDU from L2 " + hex24(src) + " ignored: " + e.to_string());
    if (count_ == kMaxIgnoredLogged)
      evt("debug", "further ignored discovery PDUs are only counted");
  }
  std::uint64_t count() const { return count_; }

private:
  static constexpr std::uint64_t kMaxIgnoredLogged = 200;
  std::uint64_t count_ = 0;
};

} // namespace

// ---- Remote UE
// ---------------------------------------------------------------------------------------------
namespace {

class RemoteUeAgent {
public:
  explicit RemoteUeAgent(RemoteUeAgentConfig c)
      : cfg_(std::move(c)), sl_(cfg_.sidelink) {}

  Status run() {
    PROSE_TRY(auto k, from_hex_exact(cfg_.k_hex, 16, "ue.k"));
    PROSE_TRY(auto opc, from_hex_exact(cfg_.opc_hex, 16, "ue.opc"));
    PROSE_TRY(auto usim, crypto::Usim::create(k, opc));
    usim_ = std::make_unique<crypto::Usim>(std::move(usim));
    PROSE_TRY(store_, KeyStore::load(cfg_.key_store, cfg_.kek));
    PROSE_TRY_STATUS(sl_.open());
    PROSE_TRY_STATUS(app_.bind(cfg_.app_port));
    mikey_ = std::make_unique<LoopbackUdp>();
    PROSE_TRY_STATUS(mikey_->bind(cfg_.mikey_port));
    evt("start",
        cfg_.name + " IMSI " + cfg_.imsi + " L2 " + hex24(cfg_.l2_id) +
            " app port " + std::to_string(app_.port()) +
            " MIKEY address 127.0.0.1:" + std::to_string(mikey_->port()));
    if (cfg_.prose_function) {
      auto p = authorise(cfg_.name, *cfg_.prose_function,
                         prosefn::Role::kRemoteUe, cfg_.relay_service_code);
      if (!p.ok())
        return g_stop ? Status{} : Status(p.error());
      use_pf_parameters(*p, cfg_.pkmf);
      if ((cfg_.discovery == "A" && !p->model_a) ||
          (cfg_.discovery == "B" && !p->model_b)) {
        const std::string other = cfg_.discovery == "A" ? "B" : "A";
        evt("info", "the ProSe Function does not allow Model " +
                        cfg_.discovery + " for this RSC: using Model " + other);
        cfg_.discovery = other;
      }
      pd_ = std::make_unique<ProtectedDiscovery>(
          cfg_.relay_service_code, security_settings(*p, *cfg_.prose_function));
    }
    PROSE_TRY(client_, make_client(cfg_.pkmf));
    Status st = run_steps();
    // Giving up PRUK delivery (the agent stops): tell the PKMF first.
    if (cfg_.stop_pruk_delivery_on_exit && delivery_on_)
      (void)stop_delivery();
    return st;
  }

private:
  Status run_steps() {
    if (cfg_.provision)
      PROSE_TRY_STATUS(provision());
    if (g_stop)
      return {};
    PROSE_TRY_STATUS(discover());
    if (g_stop)
      return {};
    return link_loop();
  }

  // One PC8 Key Request for PRUK delivery (start or stop) with the current
  // MIKEY address. kIo when the PKMF cannot be reached, kDenied when it
  // refuses.
  Status key_request(pc8::PrukDelivery delivery) {
    const std::string &pk = cfg_.pkmf.fqdn;
    pc8::PrukRequest r;
    r.transaction_id.value = random_u32();
    r.delivery = delivery;
    r.ue_address = pc8::UeAddress{"127.0.0.1", mikey_->port()};
    if (const auto *ks = store_.keys(pk))
      for (const auto &p : ks->pruks)
        r.held_pruk_ids.push_back(pc8::PrukId{p.pruk_id});
    const bool start = delivery == pc8::PrukDelivery::kStart;
    msc(cfg_.name, "PKMF",
        std::string("PC8 Key Request (PRUK delivery ") +
            (start ? "start" : "stop") +
            ", UE address 127.0.0.1:" + std::to_string(mikey_->port()) + ", " +
            std::to_string(r.held_pruk_ids.size()) + " PRUK IDs held)");
    auto resp = pc8_call(*client_, pc8::Request(std::move(r)));
    if (!resp.ok())
      return fail(Errc::kIo,
                  "PKMF unreachable or failed: " + resp.error().to_string());
    auto *pr = std::get_if<pc8::PrukResponse>(&*resp);
    if (!pr)
      return fail(Errc::kMalformed, "PKMF answered with another response type");
    if (auto *e = std::get_if<pc8::ErrorCode>(&pr->outcome))
      return fail(Errc::kDenied, "PKMF refused the Key Request: " +
                                     std::string(pc8::error_code_name(*e)));
    if (!start) {
      if (!std::holds_alternative<pc8::PrukStopAck>(pr->outcome))
        return fail(Errc::kMalformed, "PKMF did not acknowledge the stop");
      msc("PKMF", cfg_.name, "PC8 Key Response (PRUK delivery stopped)");
      delivery_on_ = false;
      return {};
    }
    auto *g = std::get_if<pc8::PrukGrant>(&pr->outcome);
    if (!g)
      return fail(Errc::kMalformed, "unexpected Key Response");
    store_.set_key_type_id(pk, g->key_type_id.value);
    if (g->pmk) {
      store_.set_pmk(pk, g->pmk->pmk_id.value, g->pmk->pmk.clone());
      msc("PKMF", cfg_.name,
          "PC8 Key Response (Key Type ID " + g->key_type_id.hex() +
              ", PMK ID " + g->pmk->pmk_id.hex() + ", PMK " +
              g->pmk->pmk.fingerprint() + ")");
    } else {
      msc("PKMF", cfg_.name,
          "PC8 Key Response (Key Type ID " + g->key_type_id.hex() + ")");
    }
    PROSE_TRY_STATUS(store_.save(cfg_.key_store, cfg_.kek));
    const PkmfKeys *ks = store_.keys(pk);
    if (!ks || !ks->pmk_id)
      return fail(Errc::kState, "no PMK for the PKMF");
    if (!mikey_rx_ || mikey_pmk_id_ != *ks->pmk_id ||
        mikey_key_type_ != g->key_type_id.value) {
      mikey::ReceiverConfig rc;
      rc.accept_rfc3830_defaults = cfg_.mikey_accept_rfc3830_defaults;
      auto rx = std::make_unique<mikey::Receiver>(rc);
      rx->add_pmk(be_bytes(*ks->pmk_id, 8), ks->pmk.clone());
      PROSE_TRY_STATUS(rx->add_key_type(be_bytes(g->key_type_id.value, 4),
                                        mikey::KeyClass::kPruk));
      mikey_rx_ = std::move(rx);
      mikey_pmk_id_ = *ks->pmk_id;
      mikey_key_type_ = g->key_type_id.value;
    }
    delivery_on_ = true;
    return {};
  }

  // Key Request (PRUK start) and the MIKEY delivery; retried every second while
  // the PKMF cannot be reached. Without a PRUK the UE waits for the delivery
  // (10 s); a UE that already holds PRUKs takes a later push whenever it comes
  // (service()).
  Status provision() {
    while (!g_stop) {
      const StoredPruk *before = store_.current(cfg_.pkmf.fqdn);
      const bool held = before != nullptr;
      const std::uint64_t before_id = held ? before->pruk_id : 0;
      Status st = key_request(pc8::PrukDelivery::kStart);
      if (!st.ok() && st.error().code == Errc::kIo) {
        evt("error", st.error().message + " (retrying)");
        ::sleep(1);
        continue;
      }
      PROSE_TRY_STATUS(st);
      if (held)
        return {};
      auto deadline = now() + link::Millis(10000);
      while (!g_stop && now() < deadline) {
        pollfd p{mikey_->fd(), POLLIN, 0};
        ::poll(&p, 1, 100);
        PROSE_TRY_STATUS(on_mikey());
        const StoredPruk *cur = store_.current(cfg_.pkmf.fqdn);
        if (cur && cur->pruk_id != before_id)
          return {};
      }
      return g_stop ? Status{}
                    : fail(Errc::kTimeout, "no MIKEY message within 10 s");
    }
    return {};
  }

  // Every MIKEY datagram waiting on the UE's MIKEY socket: open (PMK, Key Type
  // ID, MAC, time, replay), answer the verification request, store the PRUK. A
  // retransmitted I_MESSAGE (the verification got lost) is answered again.
  Status on_mikey() {
    while (auto m = mikey_->recv()) {
      // The pcap shows the PKMF side on MIKEY's registered port (whatever
      // ephemeral port its sender used), so Wireshark decodes it without
      // "Decode As".
      cap(mikey::kUdpPort, mikey_->port(), m->first);
      const std::string size_to =
          std::to_string(m->first.size()) +
          " octets to 127.0.0.1:" + std::to_string(mikey_->port());
      if (!last_i_message_.empty() && m->first == last_i_message_) {
        msc("PKMF", cfg_.name,
            "MIKEY I_MESSAGE (retransmitted, " + size_to + ")");
        if (!last_r_message_.empty()) {
          mikey_->send_to(m->second, last_r_message_);
          cap(mikey_->port(), mikey::kUdpPort, last_r_message_);
          msc(cfg_.name, "PKMF",
              "MIKEY R_MESSAGE (verification, again: the I_MESSAGE was "
              "retransmitted)");
        }
        continue;
      }
      if (!mikey_rx_) {
        msc("PKMF", cfg_.name, "MIKEY I_MESSAGE (" + size_to + ")");
        evt("error", "MIKEY message before any Key Response: ignored");
        continue;
      }
      auto opened = mikey_rx_->open(m->first, mikey::ntp_now());
      if (!opened.ok()) {
        msc("PKMF", cfg_.name, "MIKEY I_MESSAGE (" + size_to + ")");
        evt("error", "MIKEY message rejected: " + opened.error().to_string());
        continue;
      }
      // IDi = Key Type ID || PRUK ID @ PKMF FQDN (clause 6.X.3.3.2.3.1), as the
      // UE verified it.
      msc("PKMF", cfg_.name,
          "MIKEY I_MESSAGE (IDi Key Type ID " + to_hex(opened->key_type_id) +
              " || PRUK ID " + to_hex_u64(opened->key_id) + " @ " +
              opened->pkmf_fqdn + ", PMK ID " + to_hex(opened->pmk_id) +
              (opened->key.empty() ? std::string()
                                   : ", PRUK " + opened->key.fingerprint()) +
              (opened->verification_message ? ", verification requested" : "") +
              ", " + size_to + ")");
      last_i_message_ = m->first;
      last_r_message_.clear();
      if (opened->verification_message) {
        last_r_message_ = *opened->verification_message;
        mikey_->send_to(m->second, *opened->verification_message);
        cap(mikey_->port(), mikey::kUdpPort, *opened->verification_message);
        msc(cfg_.name, "PKMF", "MIKEY R_MESSAGE (verification)");
      }
      const std::string &pk = cfg_.pkmf.fqdn;
      if (opened->key_request_trigger) {
        // The all-zero PRUK ID (clause 6.X.3.3.2.3): the MAC was verified; the
        // key is discarded unseen and a Key Request (with the PRUK IDs held)
        // goes out at once.
        evt("trigger", "MIKEY with the all-zero PRUK ID from " +
                           opened->pkmf_fqdn + ": sending a Key Request");
        key_request_due_ = now();
        continue;
      }
      store_.add_mikey_pruk(pk, opened->key_id, std::move(opened->key));
      PROSE_TRY_STATUS(store_.save(cfg_.key_store, cfg_.kek));
      evt("pruk", "MIKEY PRUK ID " + to_hex_u64(opened->key_id) + " PRUK " +
                      store_.current(pk)->pruk.fingerprint() +
                      " at 127.0.0.1:" + std::to_string(mikey_->port()));
    }
    return {};
  }

  // Tells the PKMF that this UE gives up PRUK delivery (PrukRequest with the
  // stop indication).
  Status stop_delivery() {
    Status st = key_request(pc8::PrukDelivery::kStop);
    if (!st.ok()) {
      evt("error",
          "PRUK delivery stop not acknowledged: " + st.error().to_string());
      return st;
    }
    evt("delivery", "PRUK delivery stopped at PKMF " + cfg_.pkmf.fqdn);
    return {};
  }

  // The UE's address changed: a new MIKEY socket (bound before the old one
  // closes, so the port differs), then a new Key Request so that the PKMF sends
  // later MIKEY messages there.
  Status change_address() {
    auto fresh = std::make_unique<LoopbackUdp>();
    PROSE_TRY_STATUS(fresh->bind(0));
    const std::uint16_t old_port = mikey_->port();
    mikey_ = std::move(fresh);
    evt("address", "UE address changed: MIKEY now at 127.0.0.1:" +
                       std::to_string(mikey_->port()) + " (was " +
                       std::to_string(old_port) + ")");
    if (delivery_on_)
      key_request_due_ = now();
    return {};
  }

  // Work that is due whatever the UE is doing (discovery, link): address
  // change, PRUK delivery stop, a Key Request to retry, MIKEY pushes.
  Status service() {
    if (g_rebind.exchange(false))
      PROSE_TRY_STATUS(change_address());
    if (g_stop_delivery.exchange(false)) {
      key_request_due_.reset();
      (void)stop_delivery();
    }
    if (key_request_due_ && now() >= *key_request_due_) {
      Status st = key_request(pc8::PrukDelivery::kStart);
      if (st.ok()) {
        key_request_due_.reset();
      } else if (st.error().code == Errc::kIo) {
        evt("error", st.error().message + " (retrying)");
        key_request_due_ = now() + link::Millis(1000);
      } else {
        evt("error", st.error().to_string());
        key_request_due_.reset();
      }
    }
    return on_mikey();
  }

  Status discover() {
    auto deadline = now() + link::Millis(30000);
    auto next_solicit = now();
    std::optional<std::uint32_t>
        last_counter; // a protected solicitation at most once per counter value
    while (!g_stop && now() < deadline) {
      if (pd_)
        PROSE_TRY_STATUS(refresh_discovery_keys(cfg_.name, *client_, *pd_));
      if (cfg_.discovery == "B" && now() >= next_solicit) {
        send_solicitation(last_counter);
        next_solicit = now() + link::Millis(pd_ ? 1000 : 500);
      }
      pollfd ps[2] = {{sl_.fd(), POLLIN, 0}, {mikey_->fd(), POLLIN, 0}};
      ::poll(ps, 2, 100);
      PROSE_TRY_STATUS(service());
      while (auto f = sl_.recv()) {
        if (f->dst != kBroadcastL2Id && f->dst != cfg_.l2_id)
          continue;
        if (auto found = pd_ ? on_protected_discovery(*f) : on_discovery(*f)) {
          relay_l2_ = found->first;
          evt("discovered",
              "relay L2 " + hex24(relay_l2_) + " by " + found->second);
          return {};
        }
      }
    }
    return g_stop ? Status{}
                  : fail(Errc::kTimeout,
                         "no relay for RSC " + hex24(cfg_.relay_service_code));
  }

  void send_solicitation(std::optional<std::uint32_t> &last_counter) {
    if (!pd_) {
      auto d = encode_discovery(
          Discovery{DiscoveryType::kSolicitation, cfg_.relay_service_code});
      msc(cfg_.name, "*",
          std::string(discovery_name(DiscoveryType::kSolicitation)) + " RSC " +
              hex24(cfg_.relay_service_code));
      sl_.send(cfg_.l2_id, kBroadcastL2Id, *d);
      return;
    }
    const std::int64_t t = unix_now();
    const std::uint32_t counter = discovery::utc_counter(t);
    if (last_counter == counter)
      return;
    discovery::DiscoveryMessage m;
    m.type = discovery::MessageType::kSolicitation;
    m.relay_service_code = cfg_.relay_service_code;
    m.user_info_id =
        cfg_.l2_id; // discoverer info: the UE's layer-2 ID (emulation)
    auto pdu = pd_->protect(m, t);
    if (!pdu.ok()) {
      evt("error", "solicitation not sent: " + pdu.error().to_string());
      return;
    }
    last_counter = counter;
    msc(cfg_.name, "*",
        "Discovery Solicitation (Model B, protected: MIC, DUCK, DUSK; RSC " +
            hex24(cfg_.relay_service_code) + ", counter " +
            std::to_string(counter) + ")");
    sl_.send(cfg_.l2_id, kBroadcastL2Id, *pdu);
  }

  // Unprotected discovery (no ProSe Function): the relay's L2 ID and how it was
  // found.
  std::optional<std::pair<std::uint32_t, std::string>>
  on_discovery(const Frame &f) {
    auto d = decode_discovery(f.pdu);
    if (!d.ok() || d->relay_service_code != cfg_.relay_service_code)
      return std::nullopt;
    if (d->type == DiscoveryType::kSolicitation)
      return std::nullopt;
    if (cfg_.discovery == "B" && d->type != DiscoveryType::kResponse)
      return std::nullopt;
    return std::make_pair(f.src, std::string(discovery_name(d->type)));
  }

  // Protected discovery: only a PDU that verifies with the RSC's keys, inside
  // the counter window, not replayed, whose relay UE ID is the frame's source.
  // Anything else is logged at debug and ignored.
  std::optional<std::pair<std::uint32_t, std::string>>
  on_protected_discovery(const Frame &f) {
    auto m = pd_->accept(f.pdu, unix_now());
    if (!m.ok()) {
      ignored_.note(f.src, m.error());
      return std::nullopt;
    }
    if (m->type == discovery::MessageType::kSolicitation)
      return std::nullopt;
    if (cfg_.discovery == "B" && m->type != discovery::MessageType::kResponse)
      return std::nullopt;
    if (m->l2_id != f.src) {
      ignored_.note(f.src, Error{Errc::kMalformed,
                                 "relay UE ID " + hex24(m->l2_id) +
                                     " is not the sender's",
                                 {}});
      return std::nullopt;
    }
    const bool a = m->type == discovery::MessageType::kAnnouncement;
    msc("relay@" + hex24(f.src), cfg_.name,
        std::string(a ? "Discovery Announcement (Model A"
                      : "Discovery Response (Model B") +
            ", protected; MIC verified, RSC " + hex24(m->relay_service_code) +
            ")");
    return std::make_pair(
        f.src, std::string(a ? "protected Discovery Announcement (Model A)"
                             : "protected Discovery Response (Model B)"));
  }

  Status make_machine() {
    link::RemoteUeConfig mc;
    mc.imsi = cfg_.imsi;
    mc.relay_service_code = cfg_.relay_service_code;
    if (const StoredPruk *p = store_.current(cfg_.pkmf.fqdn);
        p && !pruk_id_rejected_) {
      mc.pruk_id = p->pruk_id;
      mc.pruk = p->pruk.clone();
    }
    mc.pruk_id_rejected_before = pruk_id_rejected_;
    mc.gpi_processor =
        link::make_gba_gpi_processor(*usim_, replace_imsi(cfg_.impi_template),
                                     keys::make_pkmf_naf_id(cfg_.pkmf.fqdn));
    mc.timers.value[static_cast<std::size_t>(link::TimerId::kT4100)] =
        link::Millis(2500);
    mc.timers
        .max_retransmissions[static_cast<std::size_t>(link::TimerId::kT4100)] =
        6;
    mc.timers.retransmit_jitter = link::Millis(
        250); // UEs that lost frames in one burst do not retransmit in step
    PROSE_TRY(ue_, link::RemoteUe::create(std::move(mc)));
    return {};
  }

  std::string replace_imsi(std::string t) const {
    auto pos = t.find("{imsi}");
    if (pos != std::string::npos)
      t.replace(pos, 6, cfg_.imsi);
    return t;
  }

  // A setup that failed locally (timers ran out, e.g. a lost Direct Security
  // Mode Complete) is tried again from a new Direct Communication Request, at
  // most kSetupAttempts times; a reject from the relay is final.
  static constexpr int kSetupAttempts = 3;

  Status link_loop() {
    for (int attempt = 1;; ++attempt) {
      Status st = link_attempt();
      if (st.ok() || g_stop || failed_by_peer_ || attempt >= kSetupAttempts ||
          ever_secured_)
        return st;
      evt("info", "setting the link up again (attempt " +
                      std::to_string(attempt + 1) + " of " +
                      std::to_string(kSetupAttempts) + ")");
      failure_.clear();
      done_ = false;
      ue_.reset();
      timers_ = Timers{};
    }
  }

  Status link_attempt() {
    PROSE_TRY_STATUS(make_machine());
    const StoredPruk *p = store_.current(cfg_.pkmf.fqdn);
    msc(cfg_.name, "relay",
        "Direct Communication Request (" +
            (p ? "PRUK ID " + to_hex_u64(p->pruk_id) : "IMSI " + cfg_.imsi) +
            ", RSC " + hex24(cfg_.relay_service_code) + ")");
    PROSE_TRY(link::Output o, ue_->start(now()));
    PROSE_TRY_STATUS(handle(std::move(o)));
    while (!g_stop && !done_) {
      pollfd ps[3] = {{sl_.fd(), POLLIN, 0},
                      {app_.fd(), POLLIN, 0},
                      {mikey_->fd(), POLLIN, 0}};
      ::poll(ps, 3, poll_timeout(timers_.earliest(), 500));
      PROSE_TRY_STATUS(service());
      for (auto id : timers_.take_due(now()))
        PROSE_TRY_STATUS(handle(ue_->on_timer(now(), id)));
      while (auto f = sl_.recv()) {
        if (f->dst != cfg_.l2_id || f->src != relay_l2_)
          continue;
        auto before = ue_->state();
        link::Output out = ue_->on_pdu(now(), f->pdu);
        auto after = ue_->state();
        if (before == link::RemoteState::kWaitDsmc &&
            after == link::RemoteState::kWaitDca) {
          // In the order they happen: the GPI's PRUK is stored, KD derived,
          // then the DSM Complete goes out.
          for (auto &e : out.events)
            if (auto *n = std::get_if<link::NewPruk>(&e))
              PROSE_TRY_STATUS(on_new_pruk(*n));
          std::erase_if(out.events, [](const link::Event &e) {
            return std::holds_alternative<link::NewPruk>(e);
          });
          evt("kd", "KD " + ue_->kd_fingerprint().value_or("-") + " (KD ID " +
                        hex32(ue_->kd_id().value_or(0)) +
                        ") from the DSMC of relay " + hex24(relay_l2_));
          msc(cfg_.name, "relay",
              "Direct Security Mode Complete (KD-sess ID " +
                  hex16(ue_->kd_sess_id().value_or(0)) + ")");
        }
        PROSE_TRY_STATUS(handle(std::move(out)));
      }
      while (auto a = app_.recv()) {
        app_peer_ = a->second;
        auto r = ue_->send_data(now(), a->first);
        if (!r.ok()) {
          evt("error", "data dropped: " + r.error().to_string());
          continue;
        }
        bytes_up_ += a->first.size();
        msc(cfg_.name, "relay",
            "user data (" + std::to_string(a->first.size()) +
                " octets, protected)");
        PROSE_TRY_STATUS(handle(std::move(*r)));
        // A rekey after every rekey_every datagrams; while one is still running
        // (the relay may be fetching a fresh KD while data keeps flowing) the
        // next one waits for it.
        if (cfg_.rekey_every != 0 && ++datagrams_ >= cfg_.rekey_every &&
            ue_->state() == link::RemoteState::kEstablished) {
          datagrams_ = 0;
          auto k = ue_->rekey(now(), cfg_.rekey_auth);
          if (!k.ok()) {
            evt("error", "rekey not started: " + k.error().to_string());
          } else {
            msc(cfg_.name, "relay",
                std::string("Direct Rekeying Request (Auth Flag ") +
                    (cfg_.rekey_auth ? "1" : "0") + ")");
            PROSE_TRY_STATUS(handle(std::move(*k)));
          }
        }
      }
    }
    if (ue_ && ue_->state() == link::RemoteState::kEstablished && g_stop) {
      auto r = ue_->release(now());
      if (r.ok())
        (void)handle(std::move(*r));
    }
    return failure_.empty() ? Status{} : Status(fail(Errc::kDenied, failure_));
  }

  // The PRUK and PRUK ID the GPI of a DSMC produced (GBA Push): into the key
  // store.
  Status on_new_pruk(link::NewPruk &n) {
    evt("pruk", "GBA Push PRUK ID " + to_hex_u64(n.pruk_id) + " PRUK " +
                    n.pruk.fingerprint());
    store_.add_gba_pruk(cfg_.pkmf.fqdn, n.pruk_id, std::move(n.pruk));
    return store_.save(cfg_.key_store, cfg_.kek);
  }

  Status handle(link::Output o) {
    send_pdus(sl_, cfg_.l2_id, relay_l2_, o);
    timers_.apply(o.timers);
    for (auto &e : o.events) {
      if (auto *s = std::get_if<link::LinkSecured>(&e)) {
        ever_secured_ = true;
        log_link_keys(cfg_.l2_id, relay_l2_, ue_->current_context());
        if (s->pruk_id) {
          store_.mark_used(cfg_.pkmf.fqdn, *s->pruk_id);
          PROSE_TRY_STATUS(store_.save(cfg_.key_store, cfg_.kek));
        }
        evt(s->rekey ? "rekeyed" : "ready",
            std::string(s->rekey ? "link rekeyed" : "link secured") +
                " with relay " + hex24(relay_l2_) + ": KD-sess ID " +
                hex16(s->kd_sess_id) + ", KD ID " + hex32(s->kd_id) + ", KD " +
                ue_->kd_fingerprint().value_or("-") + ", PRUK ID " +
                (s->pruk_id ? to_hex_u64(*s->pruk_id) : "-") +
                (s->pruk_from_gpi ? " (from GPI)" : "") + ", algorithms EEA" +
                std::to_string(static_cast<int>(s->algorithms.eea)) + "/EIA" +
                std::to_string(static_cast<int>(s->algorithms.eia)));
      } else if (auto *n = std::get_if<link::NewPruk>(&e)) {
        PROSE_TRY_STATUS(on_new_pruk(*n));
      } else if (auto *d = std::get_if<link::DataReceived>(&e)) {
        bytes_down_ += d->data.size();
        evt("data", "received " + std::to_string(d->data.size()) +
                        " octets from the relay");
        if (app_peer_)
          app_.send_to(*app_peer_, d->data);
      } else if (auto *r = std::get_if<link::PrukIdRejected>(&e)) {
        pruk_id_rejected_ = true;
        evt("info", "relay did not recognise PRUK ID " +
                        to_hex_u64(r->pruk_id) + ": using the IMSI");
      } else if (auto *f = std::get_if<link::SetupFailed>(&e)) {
        failed_by_peer_ = f->from_peer;
        failure_ = "link setup failed: PC5 cause #" +
                   std::to_string(static_cast<int>(f->cause)) +
                   (f->from_peer ? " from the relay" : "") +
                   (f->detail.empty() ? "" : " (" + f->detail + ")");
        evt("failed", failure_);
        done_ = true;
      } else if (std::get_if<link::LinkReleased>(&e)) {
        evt("released", "link released");
        done_ = true;
      } else if (auto *dr = std::get_if<link::PduDropped>(&e)) {
        evt("dropped", dr->detail);
      } else if (auto *rt = std::get_if<link::Retransmitted>(&e)) {
        evt("retransmit", rt->what + " attempt " + std::to_string(rt->attempt));
      }
    }
    return {};
  }

  RemoteUeAgentConfig cfg_;
  Sidelink sl_;
  LoopbackUdp app_;
  std::unique_ptr<LoopbackUdp> mikey_; // replaced when the UE's address changes
  std::unique_ptr<mikey::Receiver> mikey_rx_;
  std::uint64_t mikey_pmk_id_ = 0;
  std::uint32_t mikey_key_type_ = 0;
  Bytes last_i_message_, last_r_message_;
  bool delivery_on_ =
      false; // the PKMF was asked to deliver PRUKs and not told to stop
  std::optional<link::TimePoint> key_request_due_;
  std::unique_ptr<crypto::Usim> usim_;
  std::unique_ptr<net::HttpsClient> client_;
  KeyStore store_;
  std::unique_ptr<link::RemoteUe> ue_;
  std::unique_ptr<ProtectedDiscovery>
      pd_; // with a ProSe Function: protected discovery only
  IgnoredLog ignored_;
  Timers timers_;
  std::uint32_t relay_l2_ = 0;
  std::optional<std::uint16_t> app_peer_;
  bool pruk_id_rejected_ = false;
  bool failed_by_peer_ = false;
  bool ever_secured_ = false;
  bool done_ = false;
  std::string failure_;
  std::uint64_t bytes_up_ = 0, bytes_down_ = 0;
  std::uint64_t datagrams_ =
      0; // application datagrams since the last rekey started
};

// ---- Relay
// -------------------------------------------------------------------------------------------------
class RelayAgent {
public:
  explicit RelayAgent(RelayAgentConfig c)
      : cfg_(std::move(c)), sl_(cfg_.sidelink) {}

  Status run() {
    PROSE_TRY_STATUS(sl_.open());
    evt("start", cfg_.name + " L2 " + hex24(cfg_.l2_id) + " RSC " +
                     hex24(cfg_.relay_service_code));
    if (cfg_.prose_function) {
      auto p = authorise(cfg_.name, *cfg_.prose_function, prosefn::Role::kRelay,
                         cfg_.relay_service_code);
      if (!p.ok())
        return g_stop ? Status{} : Status(p.error());
      use_pf_parameters(*p, cfg_.pkmf);
      if (p->announce_ms != 0)
        cfg_.announce_ms = p->announce_ms;
      model_a_ = p->model_a;
      model_b_ = p->model_b;
      pd_ = std::make_unique<ProtectedDiscovery>(
          cfg_.relay_service_code, security_settings(*p, *cfg_.prose_function));
    }
    PROSE_TRY(client_, make_client(cfg_.pkmf));
    if (cfg_.pkmf_connections > 0) {
      PROSE_TRY(kd_workers_,
                PkmfWorkers::start(
                    cfg_.pkmf_connections,
                    [this] { return make_client(cfg_.pkmf); }, pc8_exchange));
    }
    ids_ = std::make_shared<link::KdSessIdRegistry>();
    PROSE_TRY_STATUS(ep_.open());
    g_flush_each_line = false;
    PROSE_TRY_STATUS(ep_.add(sl_.fd(), kSidelinkTag));
    if (kd_workers_)
      PROSE_TRY_STATUS(ep_.add(kd_workers_->fd(), kKdTag));
    // Work per wake-up is proportional to what happened
    // (docs/performance/agents.md): epoll reports the sockets with something to
    // read, the timer queue the due timers; links that are idle cost nothing.
    std::array<epoll_event, 256> events{};
    std::vector<std::uint32_t> readable;
    auto next_announce = now();
    while (!g_stop) {
      if (pd_)
        PROSE_TRY_STATUS(refresh_discovery_keys(cfg_.name, *client_, *pd_));
      if (now() >= next_announce) {
        announce();
        next_announce = now() + link::Millis(cfg_.announce_ms);
      }
      std::optional<link::TimePoint> earliest = next_announce;
      if (auto t = timers_.earliest(); t && *t < *earliest)
        earliest = t;
      flush_lines();
      const int n =
          ::epoll_wait(ep_.fd(), events.data(), static_cast<int>(events.size()),
                       poll_timeout(earliest, 500));
      for (const auto &d : timers_.take_due(now())) {
        auto it = peers_.find(d.owner);
        if (it != peers_.end())
          handle(d.owner, it->second.machine->on_timer(now(), d.id));
      }
      bool sidelink_readable = false, kd_done = false;
      readable.clear();
      for (int i = 0; i < n; ++i) {
        const std::uint64_t tag = events[static_cast<std::size_t>(i)].data.u64;
        if (tag == kSidelinkTag)
          sidelink_readable = true;
        else if (tag == kKdTag)
          kd_done = true;
        else
          readable.push_back(static_cast<std::uint32_t>(tag));
      }
      if (kd_done)
        for (auto &d : kd_workers_->take())
          on_kd_response(d);
      if (sidelink_readable)
        while (auto f = sl_.recv())
          on_frame(*f);
      for (std::uint32_t l2 : readable) {
        auto it = peers_.find(l2);
        if (it == peers_.end() || !it->second.upstream)
          continue;
        while (auto u = it->second.upstream->recv()) {
          auto r = it->second.machine->send_data(now(), u->first);
          if (!r.ok())
            continue;
          bytes_down_ += u->first.size();
          msc(cfg_.name, "ue@" + hex24(it->first),
              "user data from upstream (" + std::to_string(u->first.size()) +
                  " octets, protected)");
          handle(it->first, std::move(*r));
        }
      }
      for (std::uint32_t l2 : dead_) {
        auto it = peers_.find(l2);
        if (it != peers_.end() && it->second.dead)
          erase_peer(it);
      }
      dead_.clear();
    }
    evt("stop", "relayed " + std::to_string(bytes_up_) + " octets up, " +
                    std::to_string(bytes_down_) + " down" +
                    (pd_ ? ", " + std::to_string(ignored_.count()) +
                               " discovery PDUs ignored"
                         : ""));
    return {};
  }

private:
  struct Peer {
    std::unique_ptr<link::Relay> machine;
    std::unique_ptr<LoopbackUdp>
        upstream; // opened when the link needs its KD (first NeedKd)
    std::uint64_t kd_job = 0; // the PKMF request this link waits for (0: none)
    bool dead = false;
    std::string reject_reason; // why the relay itself rejected the DCR (logged
                               // instead of the machine's detail)
  };
  static constexpr std::uint64_t kSidelinkTag =
      std::uint64_t{1} << 32; // epoll tag; an upstream's is its L2 ID
  static constexpr std::uint64_t kKdTag =
      (std::uint64_t{1} << 32) + 1; // the PKMF workers' finished jobs

  // An epoll instance.
  class Epoll {
  public:
    Epoll() = default;
    Epoll(const Epoll &) = delete;
    Epoll &operator=(const Epoll &) = delete;
    ~Epoll() {
      if (fd_ >= 0)
        ::close(fd_);
    }
    Status open() {
      fd_ = ::epoll_create1(EPOLL_CLOEXEC);
      if (fd_ < 0)
        return fail(Errc::kIo, std::string("epoll_create1 failed: ") +
                                   std::strerror(errno));
      return {};
    }
    Status add(int fd, std::uint64_t tag) {
      epoll_event e{};
      e.events = EPOLLIN;
      e.data.u64 = tag;
      if (::epoll_ctl(fd_, EPOLL_CTL_ADD, fd, &e) != 0)
        return fail(Errc::kIo,
                    std::string("epoll_ctl failed: ") + std::strerror(errno));
      return {};
    }
    void remove(int fd) { (void)::epoll_ctl(fd_, EPOLL_CTL_DEL, fd, nullptr); }
    int fd() const { return fd_; }

  private:
    int fd_ = -1;
  };

  // The link's upstream UDP socket, watched by the event loop.
  Status open_upstream(std::uint32_t l2, Peer &p) {
    auto u = std::make_unique<LoopbackUdp>();
    PROSE_TRY_STATUS(u->bind(0));
    PROSE_TRY_STATUS(ep_.add(u->fd(), l2));
    p.upstream = std::move(u);
    return {};
  }

  void erase_peer(std::map<std::uint32_t, Peer>::iterator it) {
    if (it->second.upstream)
      ep_.remove(it->second.upstream->fd());
    timers_.remove(it->first);
    peers_.erase(it);
  }

  // Model A: the announcement (protected with a ProSe Function: at most one per
  // counter value, as the same message at the same counter is the same PDU,
  // which receivers would drop as a replay).
  void announce() {
    if (!pd_) {
      auto d = encode_discovery(
          Discovery{DiscoveryType::kAnnouncement, cfg_.relay_service_code});
      if (first_announce_)
        msc(cfg_.name, "*",
            std::string(discovery_name(DiscoveryType::kAnnouncement)) +
                " RSC " + hex24(cfg_.relay_service_code) + " (every " +
                std::to_string(cfg_.announce_ms) + " ms)");
      first_announce_ = false;
      sl_.send(cfg_.l2_id, kBroadcastL2Id, *d);
      return;
    }
    if (!model_a_)
      return;
    const std::int64_t t = unix_now();
    const std::uint32_t counter = discovery::utc_counter(t);
    if (last_announce_counter_ == counter)
      return;
    auto pdu =
        pd_->protect(relay_message(discovery::MessageType::kAnnouncement), t);
    if (!pdu.ok()) {
      if (!announce_error_logged_)
        evt("error", "no announcement: " + pdu.error().to_string());
      announce_error_logged_ = true;
      return;
    }
    announce_error_logged_ = false;
    last_announce_counter_ = counter;
    if (first_announce_)
      msc(cfg_.name, "*",
          "Discovery Announcement (Model A, protected: MIC, DUCK, DUSK; RSC " +
              hex24(cfg_.relay_service_code) + ", PSDK ID " +
              (pd_->psdk_id() ? pc8::PsdkId{*pd_->psdk_id()}.hex()
                              : std::string("-")) +
              ", at most once a second)");
    first_announce_ = false;
    sl_.send(cfg_.l2_id, kBroadcastL2Id, *pdu);
  }

  discovery::DiscoveryMessage relay_message(discovery::MessageType type) const {
    discovery::DiscoveryMessage m;
    m.type = type;
    m.relay_service_code = cfg_.relay_service_code;
    m.user_info_id = cfg_.l2_id; // announcer / discoveree info: the relay's
                                 // layer-2 ID (emulation)
    m.l2_id = cfg_.l2_id;        // ProSe Relay UE ID
    return m;
  }

  // Model B: a protected solicitation for our RSC gets a protected response to
  // the soliciting UE.
  void on_protected_discovery(const Frame &f) {
    const std::int64_t t = unix_now();
    auto m = pd_->accept(f.pdu, t);
    if (!m.ok()) {
      ignored_.note(f.src, m.error());
      return;
    }
    if (m->type != discovery::MessageType::kSolicitation || !model_b_)
      return;
    msc("ue@" + hex24(f.src), cfg_.name,
        "Discovery Solicitation (Model B, protected; MIC verified, RSC " +
            hex24(m->relay_service_code) + ")");
    auto pdu =
        pd_->protect(relay_message(discovery::MessageType::kResponse), t);
    if (!pdu.ok()) {
      evt("error", "no discovery response: " + pdu.error().to_string());
      return;
    }
    msc(cfg_.name, "ue@" + hex24(f.src),
        "Discovery Response (Model B, protected: MIC, DUCK, DUSK; RSC " +
            hex24(cfg_.relay_service_code) + ")");
    flush_lines();
    sl_.send(cfg_.l2_id, f.src, *pdu);
  }

  void on_frame(const Frame &f) {
    if (f.dst == kBroadcastL2Id && pd_) {
      on_protected_discovery(f);
      return;
    }
    if (f.dst == kBroadcastL2Id) {
      auto d = decode_discovery(f.pdu);
      if (d.ok() && d->type == DiscoveryType::kSolicitation &&
          d->relay_service_code == cfg_.relay_service_code) {
        auto resp = encode_discovery(
            Discovery{DiscoveryType::kResponse, cfg_.relay_service_code});
        msc(cfg_.name, "ue@" + hex24(f.src),
            std::string(discovery_name(DiscoveryType::kResponse)) + " RSC " +
                hex24(cfg_.relay_service_code));
        sl_.send(cfg_.l2_id, f.src, *resp);
      }
      return;
    }
    if (f.dst != cfg_.l2_id)
      return;
    auto it = peers_.find(f.src);
    if (it == peers_.end() || it->second.dead) {
      link::RelayConfig rc;
      rc.relay_service_code = cfg_.relay_service_code;
      rc.ids = ids_;
      auto m = link::Relay::create(std::move(rc));
      if (!m.ok())
        return;
      Peer p;
      p.machine = std::move(*m);
      if (it != peers_.end())
        erase_peer(it);
      it = peers_.emplace(f.src, std::move(p)).first;
    }
    auto before = it->second.machine->state();
    link::Output o = it->second.machine->on_pdu(now(), f.pdu);
    if (before == link::RelayState::kWaitDsmComplete &&
        it->second.machine->state() == link::RelayState::kEstablished)
      msc(cfg_.name, "ue@" + hex24(f.src), "Direct Communication Accept");
    handle(f.src, std::move(o));
  }

  void handle(std::uint32_t l2, link::Output o) {
    auto it = peers_.find(l2);
    if (it == peers_.end())
      return;
    Peer &p = it->second;
    send_pdus(sl_, cfg_.l2_id, l2, o);
    timers_.apply(l2, o.timers);
    for (auto &e : o.events) {
      if (auto *n = std::get_if<link::NeedKd>(&e)) {
        if (!p.upstream) {
          // Every link relays through its own upstream socket: without one
          // (e.g. out of file descriptors) the relay cannot serve this Remote
          // UE and says so instead of staying silent.
          if (Status st = open_upstream(l2, p); !st.ok()) {
            evt("error", "ue@" + hex24(l2) +
                             ": cannot serve its Direct Communication Request: "
                             "no upstream socket (" +
                             st.error().message + ")");
            msc("ue@" + hex24(l2), cfg_.name,
                "(Direct Communication Request received)");
            p.reject_reason = "no upstream socket";
            handle(l2, reject(l2, p, pc5::Cause::kLackOfResources));
            continue;
          }
        }
        handle(l2, request_kd(l2, p, *n));
      } else if (auto *d = std::get_if<link::DataReceived>(&e)) {
        bytes_up_ += d->data.size();
        msc(cfg_.name, "upstream",
            "user data of ue@" + hex24(l2) + " (" +
                std::to_string(d->data.size()) +
                " octets) to 127.0.0.1:" + std::to_string(cfg_.upstream_port));
        p.upstream->send_to(cfg_.upstream_port, d->data);
      } else if (auto *s = std::get_if<link::LinkSecured>(&e)) {
        log_link_keys(l2, cfg_.l2_id, p.machine->current_context());
        evt(s->rekey ? "rekeyed" : "secured",
            "ue@" + hex24(l2) + " KD-sess ID " + hex16(s->kd_sess_id) +
                ", KD ID " + hex32(s->kd_id));
      } else if (auto *f = std::get_if<link::SetupFailed>(&e)) {
        evt("failed",
            "ue@" + hex24(l2) + " setup failed: cause #" +
                std::to_string(static_cast<int>(f->cause)) + " " +
                (p.reject_reason.empty() ? f->detail : p.reject_reason));
        mark_dead(l2, p);
      } else if (std::get_if<link::LinkReleased>(&e)) {
        evt("released", "ue@" + hex24(l2));
        mark_dead(l2, p);
      } else if (auto *dr = std::get_if<link::PduDropped>(&e)) {
        evt("dropped", "ue@" + hex24(l2) + ": " + dr->detail);
      } else if (auto *rt = std::get_if<link::Retransmitted>(&e)) {
        evt("retransmit", rt->what + " attempt " + std::to_string(rt->attempt) +
                              " (to ue@" + hex24(l2) + ")");
      }
    }
  }

  void mark_dead(std::uint32_t l2, Peer &p) {
    if (!p.dead)
      dead_.push_back(l2);
    p.dead = true;
  }

  link::Output reject(std::uint32_t l2, Peer &p, pc5::Cause cause) {
    msc(cfg_.name, "ue@" + hex24(l2),
        "Direct Communication Reject (cause #" +
            std::to_string(static_cast<int>(cause)) + ")");
    auto o = p.machine->kd_error(now(), cause);
    return o.ok() ? std::move(*o) : link::Output{};
  }

  link::Output request_kd(std::uint32_t l2, Peer &p, const link::NeedKd &n) {
    const std::string ue = "ue@" + hex24(l2);
    pc8::KdRequest r;
    r.transaction_id.value = random_u32();
    std::string who;
    if (n.long_term_id.type == pc5::UserInfoType::kPrukId) {
      r.remote_ue = pc8::PrukId{n.long_term_id.pruk_id};
      who = "PRUK ID " + to_hex_u64(n.long_term_id.pruk_id);
    } else {
      r.remote_ue = pc8::Imsi{n.long_term_id.imsi};
      who = "IMSI " + n.long_term_id.imsi;
    }
    r.relay_service_code.value = cfg_.relay_service_code;
    if (auto nn = pc8::Nonce1::from_bytes(
            ByteView(n.nonce_1.data(), n.nonce_1.size()), "nonce");
        nn.ok())
      r.nonce_1 = *nn;
    if (n.rand && n.auts) {
      auto ra = pc8::Rand::from_bytes(ByteView(n.rand->data(), n.rand->size()),
                                      "rand");
      auto au = pc8::Auts::from_bytes(ByteView(n.auts->data(), n.auts->size()),
                                      "auts");
      if (ra.ok() && au.ok())
        r.resync = pc8::Resync{*ra, *au};
      who += ", resynchronisation";
    }
    msc(ue, cfg_.name, "(Direct Communication Request received: " + who + ")");
    msc(cfg_.name, "PKMF",
        "PC8 Key Request (" + who + ", RSC " + hex24(cfg_.relay_service_code) +
            ")");
    flush_lines(); // out before the PKMF (and the HSS/BSF behind it) sees the
                   // request
    if (!kd_workers_)
      return kd_outcome(
          l2, p, pc8_call(*client_, pc8::Request(std::move(r)))); // on the loop
    p.kd_job = kd_workers_->submit(l2, pc8::Request(std::move(r)));
    return {};
  }

  // A PKMF worker finished a KD request: hand the KD (or the refusal) to the
  // link that asked, if it still waits.
  void on_kd_response(PkmfWorkers::Done &d) {
    auto it = peers_.find(d.owner);
    if (it == peers_.end() || it->second.kd_job != d.job)
      return; // link gone or asked again meanwhile
    it->second.kd_job = 0;
    handle(d.owner, kd_outcome(d.owner, it->second, d.response));
  }

  link::Output kd_outcome(std::uint32_t l2, Peer &p,
                          const Result<pc8::Response> &resp) {
    const std::string ue = "ue@" + hex24(l2);
    pc5::Cause cause = pc5::Cause::kUnspecifiedError;
    if (!resp.ok()) {
      evt("error", "PKMF request failed: " + resp.error().to_string());
      cause = link::cause_for_pkmf_error(Errc::kIo);
    } else if (auto *kr = std::get_if<pc8::KdResponse>(&*resp)) {
      if (auto *g = std::get_if<pc8::KdGrant>(&kr->outcome)) {
        const std::string freshness = g->kd_freshness.hex();
        const std::string gpi = g->gpi ? ", GPI " +
                                             std::to_string(g->gpi->size()) +
                                             " octets" + gpi_p_tid(*g->gpi)
                                       : std::string();
        msc("PKMF", cfg_.name,
            "PC8 Key Response (KD " + g->kd.fingerprint() + ", KD freshness " +
                freshness + gpi + ")");
        link::KdGrant lg;
        lg.kd = g->kd.clone();
        std::copy(g->kd_freshness.bytes.begin(), g->kd_freshness.bytes.end(),
                  lg.kd_freshness.begin());
        lg.gpi = g->gpi;
        evt("kd", ue + " KD " + g->kd.fingerprint());
        auto o = p.machine->kd_available(now(), std::move(lg));
        if (o.ok()) {
          msc(cfg_.name, ue,
              "Direct Security Mode Command (KD freshness " + freshness + gpi +
                  ")");
          return std::move(*o);
        }
        return {};
      }
      auto code = std::get<pc8::ErrorCode>(kr->outcome);
      msc("PKMF", cfg_.name,
          "PC8 Key Response (error " + std::string(pc8::error_code_name(code)) +
              ")");
      Errc e = Errc::kInternal;
      if (code == pc8::ErrorCode::kUnknownPrukId ||
          code == pc8::ErrorCode::kUnknownImsi)
        e = Errc::kNotFound;
      else if (code == pc8::ErrorCode::kRelayNotAuthorised ||
               code == pc8::ErrorCode::kRelayNotAuthorisedForUe ||
               code == pc8::ErrorCode::kUeNotAuthorised ||
               code == pc8::ErrorCode::kUnknownRelayServiceCode)
        e = Errc::kDenied;
      cause = link::cause_for_pkmf_error(e);
    }
    return reject(l2, p, cause);
  }

  RelayAgentConfig cfg_;
  Sidelink sl_;
  std::unique_ptr<net::HttpsClient>
      client_; // discovery keys (rare, on the loop)
  std::unique_ptr<PkmfWorkers> kd_workers_; // KD requests (off the loop)
  std::shared_ptr<link::KdSessIdRegistry> ids_;
  Epoll ep_; // before peers_: outlives their sockets
  std::map<std::uint32_t, Peer> peers_;
  TimerQueue timers_;               // the timers of every link in peers_
  std::vector<std::uint32_t> dead_; // links marked dead since the last sweep
  std::uint64_t bytes_up_ = 0, bytes_down_ = 0;
  std::unique_ptr<ProtectedDiscovery>
      pd_; // with a ProSe Function: protected discovery only
  IgnoredLog ignored_;
  bool model_a_ = true,
       model_b_ = true; // discovery models the ProSe Function allows
  bool first_announce_ = true;
  bool announce_error_logged_ = false;
  std::optional<std::uint32_t> last_announce_counter_;
};

} // namespace

Status run_remote_ue(RemoteUeAgentConfig cfg) {
  install_signals();
  g_capture = cfg.log.capture;
  PROSE_TRY_STATUS(open_keylog(cfg.log));
  RemoteUeAgent a(std::move(cfg));
  return a.run();
}

void set_line_writer(std::function<void(const std::string &)> writer) {
  g_line_writer = std::move(writer);
}

Status run_relay(RelayAgentConfig cfg) {
  install_signals();
  g_capture = cfg.log.capture;
  PROSE_TRY_STATUS(open_keylog(cfg.log));
  RelayAgent a(std::move(cfg));
  return a.run();
}

} // namespace prose::agents
