#include "prose/pkmf/mikey_sender.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "prose/mikey/payloads.h"
#include "prose/util/hex.h"
#include "prose/util/log.h"

namespace prose::pkmf {
namespace {

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool resolve(const std::string& host, std::uint16_t port, sockaddr_storage& out, socklen_t& len) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0 || res == nullptr) return false;
  std::memcpy(&out, res->ai_addr, res->ai_addrlen);
  len = res->ai_addrlen;
  freeaddrinfo(res);
  return true;
}

std::string what(const MikeyJob& job) {
  return job.pruk_id == 0 ? std::string("the Key Request trigger") : "PRUK ID " + to_hex_u64(job.pruk_id);
}

}  // namespace

UdpMikeySender::UdpMikeySender(const Policy& policy, Metrics& metrics) : policy_(policy), metrics_(metrics) {}

UdpMikeySender::~UdpMikeySender() { stop(); }

Result<std::uint16_t> UdpMikeySender::start(const std::string& bind_address, std::uint16_t port,
                                            OnVerification on_verification, OnAbandoned on_abandoned,
                                            OnProgress on_progress) {
  on_verification_ = std::move(on_verification);
  on_abandoned_ = std::move(on_abandoned);
  on_progress_ = std::move(on_progress);
  if (const std::int64_t n = policy_.mikey_max_sends_per_second; n > 0) all_sends_.emplace(n, 1000, n);
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (!resolve(bind_address, port, addr, len))
    return fail(Errc::kInvalidArgument, "bad MIKEY bind address " + bind_address);
  fd_ = ::socket(addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return fail(Errc::kIo, std::string("socket: ") + std::strerror(errno));
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    std::string err = std::strerror(errno);
    ::close(fd_);
    fd_ = -1;
    return fail(Errc::kIo, "cannot bind MIKEY socket " + bind_address + ":" + std::to_string(port) + ": " + err);
  }
  sockaddr_storage bound{};
  socklen_t blen = sizeof bound;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &blen);
  std::uint16_t bound_port = ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                                              : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) return fail(Errc::kIo, "pipe2 failed");
  running_ = true;
  thread_ = std::thread([this] { run(); });
  return bound_port;
}

void UdpMikeySender::stop() {
  if (running_.exchange(false)) {
    char c = 'x';
    (void)!::write(wake_[1], &c, 1);
    thread_.join();
  }
  for (int& fd : {std::ref(fd_), std::ref(wake_[0]), std::ref(wake_[1])}) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
}

void UdpMikeySender::send(MikeyJob job) {
  const std::uint32_t csb = job.csb_id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Flight f;
    f.job = std::move(job);
    f.attempts = f.job.attempts_made;  // a resumed delivery continues its budget and back-off
    f.next_ms = steady_ms();
    flights_.insert_or_assign(csb, std::move(f));
  }
  char c = 's';
  if (wake_[1] >= 0) (void)!::write(wake_[1], &c, 1);
}

std::size_t UdpMikeySender::in_flight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return flights_.size();
}

bool UdpMikeySender::within_caps(const Flight& f, std::int64_t now) {
  std::optional<Metrics::MikeyDrop> drop;
  if (f.attempts > 0 && policy_.mikey_ue_retransmissions_per_minute > 0) {
    const std::int64_t n = policy_.mikey_ue_retransmissions_per_minute;
    auto bucket = ue_retransmissions_.try_emplace(f.job.imsi, n, 60000, n).first;
    if (!bucket->second.take(now)) drop = Metrics::MikeyDrop::kUeRetransmissions;
  }
  if (!drop && all_sends_ && !all_sends_->take(now)) drop = Metrics::MikeyDrop::kRate;
  if (!drop) return true;
  metrics_.mikey_dropped(*drop);
  if (auto suppressed = dropped_log_.allow(now)) {
    log::warn("mikey: dropped a send of {} to UE {}: {} cap reached{}", what(f.job), f.job.imsi,
              *drop == Metrics::MikeyDrop::kRate ? "max_sends_per_second" : "ue_retransmissions_per_minute",
              *suppressed ? " (and " + std::to_string(*suppressed) + " more drops since the last such line)" : "");
  }
  return false;
}

void UdpMikeySender::transmit(Flight& f, std::int64_t now) {
  sockaddr_storage to{};
  socklen_t len = 0;
  if (!resolve(f.job.ip, f.job.port, to, len)) {
    log::warn("mikey: UE {} has an unusable address {}", f.job.imsi, f.job.ip);
    f.attempts = policy_.mikey_max_attempts;
    return;
  }
  if (within_caps(f, now)) {
    ::sendto(fd_, f.job.message.data(), f.job.message.size(), 0, reinterpret_cast<sockaddr*>(&to), len);
    if (f.attempts == 0)
      metrics_.mikey_sent();
    else
      metrics_.mikey_retry();
  }
  ++f.attempts;  // a dropped send counts like a lost one: the budget and the back-off go on
  f.next_ms = now + mikey_backoff_ms(policy_, f.attempts);
}

void UdpMikeySender::run() {
  std::uint8_t buf[65536];
  while (running_) {
    std::int64_t now = steady_ms();
    std::int64_t wait = 1000;
    std::vector<std::uint32_t> abandoned;
    std::vector<MikeyProgress> progress;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto it = flights_.begin(); it != flights_.end();) {
        Flight& f = it->second;
        if (f.next_ms <= now) {
          bool done_without_verification = !f.job.expects_verification && f.attempts > f.job.attempts_made;
          if (done_without_verification) {
            it = flights_.erase(it);
            continue;
          }
          if (f.attempts >= policy_.mikey_max_attempts) {
            log::warn("mikey: gave up delivering {} to UE {} after {} attempts", what(f.job), f.job.imsi, f.attempts);
            abandoned.push_back(it->first);
            it = flights_.erase(it);
            continue;
          }
          transmit(f, now);
          if (f.job.pruk_id != 0 && f.job.expects_verification && f.attempts > f.job.attempts_made + 1)
            progress.push_back({f.job.pruk_id, f.attempts, f.next_ms - now});
        }
        wait = std::min(wait, std::max<std::int64_t>(0, f.next_ms - now));
        ++it;
      }
    }
    if (now >= next_prune_ms_) {
      for (auto it = ue_retransmissions_.begin(); it != ue_retransmissions_.end();)
        it = it->second.full(now) ? ue_retransmissions_.erase(it) : std::next(it);
      next_prune_ms_ = now + 10000;
    }
    if (!progress.empty() && on_progress_) on_progress_(progress);
    if (on_abandoned_)
      for (std::uint32_t csb : abandoned) on_abandoned_(csb);
    pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    int n = ::poll(fds, 2, static_cast<int>(wait));
    if (n <= 0) continue;
    if (fds[1].revents & POLLIN) {
      char drain[64];
      while (::read(wake_[0], drain, sizeof drain) > 0) {
      }
    }
    if (fds[0].revents & POLLIN) {
      ssize_t got = ::recv(fd_, buf, sizeof buf, 0);
      if (got <= 0) continue;
      ByteView msg(buf, static_cast<std::size_t>(got));
      auto verified = on_verification_ ? on_verification_(msg) : Result<std::string>(std::string());
      if (verified.ok()) {
        auto csb = mikey::csb_id_of(msg);  // decodes: the service accepted it
        std::lock_guard<std::mutex> lock(mu_);
        auto it = csb.ok() ? flights_.find(*csb) : flights_.end();
        log::info("mikey: UE {} verified {}", *verified,
                  it != flights_.end() ? what(it->second.job) : std::string("a MIKEY message"));
        if (it != flights_.end()) flights_.erase(it);
      } else {
        // Garbage on the MIKEY port costs a counter, and a log line at most once a second (issue 17).
        metrics_.mikey_ignored();
        if (auto suppressed = ignored_log_.allow(steady_ms())) {
          log::warn("mikey: ignored a datagram: {}{}", verified.error().to_string(),
                    *suppressed ? " (and " + std::to_string(*suppressed) + " more since the last such line)" : "");
        }
      }
    }
  }
}

}  // namespace prose::pkmf
