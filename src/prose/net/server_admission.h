// Internal to the net module: the HTTPS server's admission control (docs/net.md "Admission"), sans I/O and without
// Asio: the checked and clamped limits, and the bookkeeping of admitted connections per source that decides whether
// a new connection is admitted, refused, or admitted in place of the oldest pending connection of the source with
// the most pending connections.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <set>
#include <tuple>

#include "prose/net/server.h"
#include "prose/util/result.h"

namespace prose::net::detail {

// The admission key of a peer, as 16 octets: an IPv4 address as the IPv4-mapped IPv6 address, the /64 prefix of an
// IPv6 address (the other octets zero).
using SourceKey = std::array<std::uint8_t, 16>;

// kFailed: the handshake failed; no longer pending, the connection counts until its session ends.
enum class AdmissionState : std::uint8_t { kPending, kEstablished, kFailed, kEvicted };

// One admitted connection's admission state (the server's connections derive from it); changed only by Admission.
struct AdmissionEntry {
  SourceKey source{};
  AdmissionState admission = AdmissionState::kPending;
  std::uint64_t seq = 0;  // admission number
  std::list<AdmissionEntry*>::iterator pending_it;
};

// HttpsServerConfig's limits, the pending caps clamped to max_connections and max_connections to what the
// descriptor limit allows.
struct AdmissionLimits {
  std::size_t max_connections = 0;
  std::size_t max_pending = 0;
  std::size_t max_pending_per_source = 0;
  std::size_t max_connections_per_source = 0;
};

// kInvalidArgument when a thread count, size limit, connection limit or the handshake timeout is not positive.
Status check_server_config(const HttpsServerConfig& cfg);
// Raises the soft RLIMIT_NOFILE to the hard one and clamps the limits of `cfg` (logs when max_connections is
// lowered).
AdmissionLimits admission_limits(const HttpsServerConfig& cfg);

// Not thread-safe: the server calls it under its mutex.
class Admission {
 public:
  enum class Verdict : std::uint8_t { kAdmit, kRefuse, kEvictThenAdmit };
  struct Decision {
    Verdict verdict = Verdict::kAdmit;
    RefusalCause cause = RefusalCause::kMaxConnections;  // kRefuse, kEvictThenAdmit: why
  };

  explicit Admission(AdmissionLimits limits) : limits_(limits) {}
  void set_limits(AdmissionLimits limits) { limits_ = limits; }

  // What to do with a new connection from `source`.
  Decision decide(const SourceKey& source) const;
  // kEvictThenAdmit: takes the oldest pending connection of the source with the most pending connections out of
  // the counts (kEvicted) and returns it; the caller closes it.
  AdmissionEntry* evict_pending();
  // A new pending connection.
  void admit(AdmissionEntry& e, const SourceKey& source);
  // The handshake of a pending connection succeeded (kEstablished) or failed (kFailed). False when the connection
  // was evicted (nothing changes).
  bool established(AdmissionEntry& e);
  bool failed(AdmissionEntry& e);
  // The connection ends: not counted any more (unless evicted).
  void ended(AdmissionEntry& e);

  std::size_t admitted() const { return admitted_; }  // not evicted
  std::size_t pending() const { return pending_; }

 private:
  // The connections of one source: how many in all, and the pending ones, oldest first.
  struct Source {
    std::size_t total = 0;
    std::list<AdmissionEntry*> pending;
  };
  using SourceIt = std::map<SourceKey, Source>::iterator;
  using PendingKey = std::tuple<std::size_t, std::uint64_t, SourceKey>;

  // A connection of `src` becomes or stops being pending.
  std::list<AdmissionEntry*>::iterator add_pending(SourceIt src, AdmissionEntry* e);
  void remove_pending(SourceIt src, std::list<AdmissionEntry*>::iterator it);
  // The connection of `src` ends (not counted any more); erases a source with no connection left.
  void remove_connection(SourceIt src);
  // The entry of `src` (which has pending connections) in by_pending_.
  PendingKey pending_key(SourceIt src) const;

  AdmissionLimits limits_;
  std::size_t admitted_ = 0;
  std::size_t pending_ = 0;
  std::map<SourceKey, Source> sources_;
  // Sources with pending connections, ordered by (how many, ~admission number of their oldest): the last is the
  // source with the most, and of those the one whose oldest connection came first.
  std::set<PendingKey> by_pending_;
  std::uint64_t admissions_ = 0;
};

}  // namespace prose::net::detail
