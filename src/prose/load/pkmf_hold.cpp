// The hold mode of the PKMF load client (pkmf_load.h): idle connections that never finish a TLS handshake, probes
// while they are held, and the PKMF's resident memory after they close (docs/performance/pkmf-admission.md).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <memory>
#include <ostream>
#include <random>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "prose/load/abort.h"
#include "prose/load/pkmf_load.h"
#include "prose/load/pkmf_under_test.h"
#include "prose/testbed/ports.h"
#include "prose/testbed/proc_stats.h"

namespace prose::load {

namespace {

using Clock = std::chrono::steady_clock;

// CPU time (user + system) of a process, in clock ticks.
long cpu_ticks(pid_t pid) {
  double s = testbed::cpu_seconds(pid);
  return s < 0 ? 0 : std::lround(s * static_cast<double>(::sysconf(_SC_CLK_TCK)));
}

// The soft descriptor limit raised to the hard one; fails when `needed` descriptors do not fit.
void raise_fd_limit(std::size_t needed) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < needed) {
    failure("holding the connections needs " + std::to_string(needed) + " file descriptors; the hard limit is " +
            std::to_string(rl.rlim_cur) + " (ulimit -Hn): ask for fewer with --idle-tcp / --idle-tls");
  }
}

// A real TLS 1.3 ClientHello (no client certificate will follow), as the octets a client sends first.
std::string client_hello() {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(ctx ? SSL_new(ctx.get()) : nullptr, SSL_free);
  if (!ssl) failure("OpenSSL: cannot make a ClientHello");
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl.get(), in, out);  // the SSL owns both
  SSL_set_tlsext_host_name(ssl.get(), "pkmf.prose.test");
  SSL_set_connect_state(ssl.get());
  SSL_do_handshake(ssl.get());  // wants to read the ServerHello
  char* data = nullptr;
  long n = BIO_get_mem_data(out, &data);
  if (n <= 0) failure("OpenSSL: no ClientHello");
  return std::string(data, static_cast<std::size_t>(n));
}

// The non-zero samples of `metric` in a Prometheus text exposition as "label=value ...": "none" when all are zero,
// empty when the metric is absent.
std::string samples(const std::string& text, const std::string& metric) {
  std::string out;
  std::istringstream in(text);
  std::string line;
  std::regex re("^" + metric + R"re(\{\w+="([^"]+)"\} (\d+)$)re");
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, re) && m[2] != "0") out += (out.empty() ? "" : " ") + m[1].str() + "=" + m[2].str();
  }
  return out.empty() && text.find(metric) != std::string::npos ? "none" : out;
}

// The attacker: holds idle_tcp + idle_tls connections from 127.0.0.10 and up (the good client connects from
// 127.0.0.1), and once a second reopens each one the PKMF closed, as a client holding connections would.
class Holder {
 public:
  Holder(const PkmfLoadOptions& o, std::string hello)
      : o_(o), hello_(std::move(hello)), fds_(o.idle_tcp + o.idle_tls, -1) {}
  ~Holder() {
    stop_maintaining();
    close_all();
  }

  void open_all() {
    for (std::size_t i = 0; i < fds_.size(); ++i) open(i);
  }
  void start_maintaining() {
    thread_ = std::thread([this] {
      while (!stop_) {
        for (int i = 0; i < 20 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (!stop_) sweep();
      }
    });
  }
  void stop_maintaining() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  void close_all() {
    for (int& fd : fds_) {
      if (fd >= 0) ::close(fd);
      fd = -1;
    }
  }
  std::size_t failed() const { return failed_; }
  std::size_t reopened() const { return reopened_; }

 private:
  // Connection i: TCP only or TLS (idle_tls of them, spread evenly among the others), every other TLS one sending a
  // whole ClientHello (the server answers and waits for the client's next flight), the others half of it.
  void open(std::size_t i) {
    int fd = testbed::connect_from(10 + static_cast<int>(i % static_cast<std::size_t>(o_.sources)), o_.port);
    if (fd < 0) {
      ++failed_;
      return;
    }
    const std::size_t n = fds_.size();
    const std::size_t tls_before = i * o_.idle_tls / n;
    if ((i + 1) * o_.idle_tls / n > tls_before) {
      std::size_t len = tls_before % 2 == 0 ? hello_.size() : hello_.size() / 2;
      (void)!::send(fd, hello_.data(), len, MSG_NOSIGNAL);
    }
    fds_[i] = fd;
  }

  // Reads what the server sent (its TLS flight) and reopens the connections it closed.
  void sweep() {
    std::vector<pollfd> p;
    std::vector<std::size_t> index;
    for (std::size_t i = 0; i < fds_.size(); ++i) {
      if (fds_[i] < 0) {
        open(i);
        continue;
      }
      p.push_back(pollfd{fds_[i], POLLIN | POLLRDHUP, 0});
      index.push_back(i);
    }
    if (::poll(p.data(), p.size(), 0) <= 0) return;
    char buf[16384];
    for (std::size_t k = 0; k < p.size(); ++k) {
      bool closed = (p[k].revents & (POLLERR | POLLHUP | POLLRDHUP)) != 0;
      while (!closed && (p[k].revents & POLLIN) != 0) {
        ssize_t n = ::recv(p[k].fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) continue;
        closed = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
        break;
      }
      if (!closed) continue;
      ::close(p[k].fd);
      fds_[index[k]] = -1;
      ++reopened_;
      open(index[k]);
    }
  }

  const PkmfLoadOptions& o_;
  const std::string hello_;
  std::vector<int> fds_;
  std::size_t failed_ = 0, reopened_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

int run_pkmf_hold(const PkmfLoadOptions& o, const std::function<void(const Report&)>& publish, std::ostream& err) {
  raise_fd_limit(o.idle_tcp + o.idle_tls + 256);  // the PKMF child inherits the raised limit
  PkmfUnderTest pkmf(o);
  pkmf.setup(err);
  pkmf.start();
  const pid_t pid = pkmf.pid();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const long rss0 = testbed::vm_kib(pid, "VmRSS"), fds0 = static_cast<long>(testbed::open_fds(pid));

  Holder holder(o, client_hello());
  auto t_open = Clock::now();
  holder.open_all();
  double open_s = std::chrono::duration<double>(Clock::now() - t_open).count();
  // Wait (at most 10 s) until the PKMF has dealt with the burst (uses under a twentieth of a core), then keep the
  // connections held for two rounds of reopening before probing.
  auto t_busy = Clock::now();
  const long tick = ::sysconf(_SC_CLK_TCK);
  for (long before = cpu_ticks(pid); std::chrono::duration<double>(Clock::now() - t_busy).count() < 10;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    long now = cpu_ticks(pid);
    if ((now - before) * 20 < tick) break;
    before = now;
  }
  double busy_s = std::chrono::duration<double>(Clock::now() - t_busy).count();
  holder.start_maintaining();
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  const long rss_held = testbed::vm_kib(pid, "VmRSS"), fds_held = static_cast<long>(testbed::open_fds(pid));

  // Good client: a fresh full handshake (no resumption) and a KD request, each probe on a new connection.
  std::mt19937_64 rng(1);
  double worst_ms = 0;
  int probe_failures = 0;
  std::string metrics, each_ms;
  for (int p = 0; p < o.probes; ++p) {
    auto t0 = Clock::now();
    auto c = pkmf.client(false);
    bool ok = c.ok() && pkmf.kd_request(**c, rng);
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (!ok) ++probe_failures;
    worst_ms = std::max(worst_ms, ms);
    each_ms += (p == 0 ? "" : " ") + std::to_string(static_cast<long>(ms)) + (ok ? "" : "(failed)");
    if (ok && p + 1 == o.probes) {
      auto m = (*c)->get("/metrics");
      if (m.ok() && m->status == 200) metrics = m->body;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const long hwm = testbed::vm_kib(pid, "VmHWM");

  holder.stop_maintaining();
  holder.close_all();
  auto t_close = Clock::now();
  double settled_s = -1;
  long rss_end = testbed::vm_kib(pid, "VmRSS");
  while (std::chrono::duration<double>(Clock::now() - t_close).count() < o.settle) {
    rss_end = testbed::vm_kib(pid, "VmRSS");
    if (rss_end <= static_cast<long>(o.max_settled_rss_mib * 1024)) {
      settled_s = std::chrono::duration<double>(Clock::now() - t_close).count();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  pkmf.stop();

  const long server_conns = std::max(1L, fds_held - fds0);
  Report out;
  out.integer("Idle TCP connections", static_cast<std::int64_t>(o.idle_tcp));
  out.integer("Idle TLS connections", static_cast<std::int64_t>(o.idle_tls));
  out.integer("Source addresses", static_cast<std::int64_t>(o.sources));
  out.integer("Connects failed", static_cast<std::int64_t>(holder.failed()));
  out.integer("Reopened", static_cast<std::int64_t>(holder.reopened()));
  out.text("Open s", std::to_string(open_s));
  out.text("PKMF busy after open s", std::to_string(busy_s));
  out.integer("PKMF connections held", static_cast<std::int64_t>(fds_held - fds0));
  out.text("PKMF RSS before MiB", mib(rss0));
  out.text("PKMF RSS held MiB", mib(rss_held));
  out.text("KiB per held connection", std::to_string(static_cast<double>(rss_held - rss0) / server_conns));
  out.text("PKMF peak RSS MiB", mib(hwm));
  out.integer("Probes", static_cast<std::int64_t>(o.probes));
  out.integer("Probes failed", static_cast<std::int64_t>(probe_failures));
  out.text("Slowest probe ms", std::to_string(worst_ms));
  out.text("Probe ms", each_ms);
  out.text("PKMF RSS after close MiB", mib(rss_end));
  out.text("Settled s",
           settled_s < 0 ? std::string("not within ") + std::to_string(o.settle) : std::to_string(settled_s));
  out.text("Refused", samples(metrics, "prose_pkmf_connections_refused_total"));
  out.text("Handshake failures", samples(metrics, "prose_pkmf_tls_handshake_failures_total"));
  publish(out);
  bool met = probe_failures == 0 && worst_ms <= o.max_probe_ms && hwm <= static_cast<long>(o.max_peak_rss_mib * 1024) &&
             settled_s >= 0;
  return met ? 0 : 1;
}

}  // namespace prose::load
