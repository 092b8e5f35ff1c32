// The HTTPS server's admission control: limits and the bookkeeping of connections per source (no Asio, no Beast).
#include "prose/net/server_admission.h"

#include <sys/resource.h>

#include <algorithm>

#include "prose/util/log.h"

namespace prose::net::detail {
namespace {

// Descriptors kept free for everything else in the process (store, MIKEY, logs) when max_connections is clamped.
constexpr std::size_t kReservedDescriptors = 256;

// Raises the soft descriptor limit to the hard one; returns the limit (0: unlimited or unknown).
std::size_t descriptor_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return 0;
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
  }
  return rl.rlim_cur == RLIM_INFINITY ? 0 : static_cast<std::size_t>(rl.rlim_cur);
}

}  // namespace

Status check_server_config(const HttpsServerConfig& cfg) {
  if (cfg.threads < 1) return fail(Errc::kInvalidArgument, "threads must be at least 1");
  if (cfg.max_body_bytes == 0 || cfg.max_header_bytes == 0)
    return fail(Errc::kInvalidArgument, "header and body limits must be positive");
  if (cfg.max_connections == 0 || cfg.max_pending_handshakes == 0 || cfg.max_pending_per_source == 0 ||
      cfg.max_connections_per_source == 0)
    return fail(Errc::kInvalidArgument, "connection limits must be positive");
  if (cfg.handshake_timeout.count() <= 0) return fail(Errc::kInvalidArgument, "handshake_timeout must be positive");
  return ok_status();
}

AdmissionLimits admission_limits(const HttpsServerConfig& cfg) {
  AdmissionLimits l;
  l.max_connections = cfg.max_connections;
  if (std::size_t limit = descriptor_limit(); limit != 0) {
    std::size_t usable = limit > 2 * kReservedDescriptors ? limit - kReservedDescriptors : limit / 2;
    if (usable < l.max_connections) {
      log::warn("https: max_connections {} lowered to {}: the descriptor limit is {} (ulimit -Hn)", cfg.max_connections,
                usable, limit);
      l.max_connections = usable;
    }
  }
  l.max_pending = std::min(cfg.max_pending_handshakes, l.max_connections);
  l.max_pending_per_source = std::min(cfg.max_pending_per_source, l.max_pending);
  l.max_connections_per_source = cfg.max_connections_per_source;
  return l;
}

Admission::Decision Admission::decide(const SourceKey& source) const {
  auto known = sources_.find(source);
  if (known != sources_.end() && known->second.total >= limits_.max_connections_per_source)
    return {Verdict::kRefuse, RefusalCause::kMaxConnectionsPerSource};
  if (known != sources_.end() && known->second.pending.size() >= limits_.max_pending_per_source)
    return {Verdict::kRefuse, RefusalCause::kMaxPendingPerSource};
  if (admitted_ >= limits_.max_connections && pending_ == 0) return {Verdict::kRefuse, RefusalCause::kMaxConnections};
  if (bool full = admitted_ >= limits_.max_connections; full || pending_ >= limits_.max_pending) {
    // A pending handshake makes room, taken from the source with the most, when that is more than the new
    // connection's source has: a flood from a few sources is refused (before any TLS work) and leaves the others'
    // handshakes alone; a client from elsewhere still gets in.
    auto why = full ? RefusalCause::kMaxConnections : RefusalCause::kMaxPendingHandshakes;
    if (std::size_t own = known == sources_.end() ? 0 : known->second.pending.size();
        own >= std::get<0>(*by_pending_.rbegin()))
      return {Verdict::kRefuse, why};
    return {Verdict::kEvictThenAdmit, why};
  }
  return {Verdict::kAdmit, RefusalCause::kMaxConnections};
}

Admission::PendingKey Admission::pending_key(SourceIt src) const {
  return {src->second.pending.size(), ~src->second.pending.front()->seq, src->first};
}

std::list<AdmissionEntry*>::iterator Admission::add_pending(SourceIt src, AdmissionEntry* e) {
  auto& list = src->second.pending;
  if (!list.empty()) by_pending_.erase(pending_key(src));
  auto it = list.insert(list.end(), e);
  by_pending_.insert(pending_key(src));
  ++pending_;
  return it;
}

void Admission::remove_pending(SourceIt src, std::list<AdmissionEntry*>::iterator it) {
  auto& list = src->second.pending;
  by_pending_.erase(pending_key(src));
  list.erase(it);
  if (!list.empty()) by_pending_.insert(pending_key(src));
  --pending_;
}

void Admission::remove_connection(SourceIt src) {
  --admitted_;
  if (--src->second.total == 0) sources_.erase(src);
}

AdmissionEntry* Admission::evict_pending() {
  auto src = sources_.find(std::get<2>(*by_pending_.rbegin()));
  AdmissionEntry* victim = src->second.pending.front();
  victim->admission = AdmissionState::kEvicted;
  remove_pending(src, src->second.pending.begin());
  remove_connection(src);
  return victim;
}

void Admission::admit(AdmissionEntry& e, const SourceKey& source) {
  ++admitted_;
  auto src = sources_.try_emplace(source).first;  // after the eviction, which may have erased it
  ++src->second.total;
  e.source = source;
  e.admission = AdmissionState::kPending;
  e.seq = ++admissions_;
  e.pending_it = add_pending(src, &e);
}

bool Admission::established(AdmissionEntry& e) {
  if (e.admission == AdmissionState::kEvicted) return false;
  e.admission = AdmissionState::kEstablished;
  remove_pending(sources_.find(e.source), e.pending_it);
  return true;
}

bool Admission::failed(AdmissionEntry& e) {
  if (e.admission == AdmissionState::kEvicted) return false;
  if (e.admission == AdmissionState::kPending) {
    remove_pending(sources_.find(e.source), e.pending_it);
    e.admission = AdmissionState::kFailed;
  }
  return true;
}

void Admission::ended(AdmissionEntry& e) {
  if (e.admission == AdmissionState::kEvicted) return;
  auto src = sources_.find(e.source);
  if (e.admission == AdmissionState::kPending) remove_pending(src, e.pending_it);
  remove_connection(src);
}

}  // namespace prose::net::detail
