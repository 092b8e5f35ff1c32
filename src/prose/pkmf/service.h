// The PKMF's request handling (requirement steps 1a-1d and 4a-4c; clauses 6.X.3.3.2 and 6.X.3.3.3):
// authorises the peer by the identity bound to its TLS keys, answers Key Requests from Remote UEs and relays,
// issues PRUKs (MIKEY delivery) and PMKs, derives KD (TS 33.303 A.7) and refreshes PRUKs by GBA Push.
// Transport-free: the HTTPS layer (server.h) and the MIKEY sender call into it. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "prose/mikey/delivery.h"
#include "prose/net/identity.h"
#include "prose/pc8/messages.h"
#include "prose/pkmf/discovery_keys.h"
#include "prose/pkmf/kd_batcher.h"
#include "prose/pkmf/metrics.h"
#include "prose/pkmf/policy.h"
#include "prose/pkmf/providers.h"
#include "prose/store/store_pool.h"

namespace prose::pkmf {

struct ServiceConfig {
  std::string fqdn = "pkmf.prose.test";  // PKMF FQDN (MIKEY IDi)
  Policy policy;
  DiscoveryConfig discovery;  // PSDK lifetime and rotation ([discovery])
};

class PkmfService {
 public:
  // gba_push and mikey may be null: then IMSI requests and PRUK refresh by GBA Push are refused
  // (kGbaPushFailed) and PRUKs are not pushed.
  PkmfService(ServiceConfig config, store::StorePool& stores, Metrics& metrics, GbaPush* gba_push, MikeySink* mikey);
  ~PkmfService();  // flushes the KD bookkeeping

  // One Key Request from an authenticated peer whose TLS connection comes from IP address `peer_address` (text; empty
  // when unknown): MIKEY goes there unless [mikey] destination = "as-requested". `now` in Unix seconds.
  pc8::Response handle(const net::PeerIdentity& peer, const std::string& peer_address, const pc8::Request& request,
                       std::int64_t now);
  // The same answer, given to `done` (exactly once, possibly later on another thread). With KD batching enabled a KD
  // request by PRUK ID (no resynchronisation) waits for its store reads in the batcher instead of in the caller's
  // thread; everything else is answered by handle() before this returns.
  void handle_async(const net::PeerIdentity& peer, const std::string& peer_address, pc8::Request request,
                    std::int64_t now, std::function<void(pc8::Response)> done);
  // Before the first request: KD lookups through a KdBatcher (the PKMF does this on PostgreSQL, where a statement
  // is a round trip to another process; SQLite's reads are cheaper in the caller's thread).
  void enable_kd_batching(KdBatcherConfig config);
  std::optional<KdBatcher::Stats> kd_batch_stats() const;
  // Answers the queued KD requests and stops the batcher (later KD requests take the direct path). The PKMF calls
  // it after its HTTPS server stopped taking requests and before that server is destroyed: a queued request's
  // callback answers through the server.
  void stop_kd_batching();

  // A MIKEY verification message (R_MESSAGE) that arrived for CSB ID `csb_id`. On success the UE has the PRUK:
  // older PRUKs of that UE are deleted, and the PRUK's pending delivery with them. Returns the IMSI it verified.
  Result<std::string> on_verification(ByteView r_message, std::int64_t now);
  // Called by the sender when it gave up on a delivery: its pending delivery is deleted.
  void on_delivery_abandoned(std::uint32_t csb_id);
  // Called by the sender after later sends of PRUK deliveries: recorded with the pending deliveries.
  void on_delivery_progress(const std::vector<MikeyProgress>& progress);
  std::size_t pending_verifications() const;

  // Pending deliveries (issue 17 defect 7). Every PRUK delivery that asks for verification is stored with its PRUK
  // until the UE verified it or the sender gave up. A delivery whose PKMF has not acted on it for kResumeGraceMs past
  // its due time (this process was killed, or another PKMF sharing the store was) is taken over: rebuilt from the
  // stored PRUK and PMK and sent again with what is left of its attempts. resume_deliveries does one such pass at
  // Unix time `now_ms` and returns how many it resumed; start_resuming runs one every kResumeScanMs on a thread
  // (call it once the MIKEY transport is up).
  static constexpr std::int64_t kResumeGraceMs = 5000;
  static constexpr std::int64_t kResumeScanMs = 1000;
  std::size_t resume_deliveries(std::int64_t now_ms);
  void start_resuming();
  void stop_resuming();  // before the MIKEY transport stops (the destructor calls it too)
  // Writes the queued KD bookkeeping (use counts, audit entries) now. The background writer does this every
  // kd_flush_interval; KD responses never wait for it (group commit instead of one commit per request).
  void flush_kd_bookkeeping();

 private:
  pc8::PrukResponse handle_pruk(const net::PeerIdentity& peer, const std::string& peer_address,
                                const pc8::PrukRequest& r, std::int64_t now);
  pc8::KdResponse handle_kd(const net::PeerIdentity& peer, const pc8::KdRequest& r, std::int64_t now);
  // handle_kd after its store reads (`found`); `s` is the store they came from, or null (a GBA refresh then takes
  // a connection of its own).
  pc8::KdResponse finish_kd(const net::PeerIdentity& peer, const pc8::KdRequest& r, Result<store::KdLookup> found,
                            store::Store* s, std::int64_t now);
  Result<std::uint32_t> key_type_id_for(store::Store& s, const store::UeRecord& ue, const pc8::PrukRequest& r);
  Status issue_and_push_pruk(store::Store& s, const store::UeRecord& ue, std::int64_t now);
  Result<store::PrukRecord> gba_refresh(store::Store& s, const std::string& imsi, const std::string& actor,
                                        std::int64_t now, Bytes& gpi_out);

  ServiceConfig config_;
  store::StorePool& stores_;
  Metrics& metrics_;
  GbaPush* gba_push_;
  MikeySink* mikey_;
  DiscoveryKeys discovery_;  // Discovery Key Requests (PSDKs per Relay Service Code)

  struct Pending {
    std::string imsi;
    std::uint64_t pruk_id;
    mikey::PendingVerification verification;
  };
  void kd_writer();
  std::mutex kd_mu_;
  std::mutex kd_flush_mu_;  // one flush at a time (held across the store write; taken before kd_mu_)
  std::condition_variable kd_cv_;
  std::vector<std::pair<std::uint64_t, store::AuditEntry>> kd_queue_;
  bool kd_stop_ = false;
  std::thread kd_thread_;

  mutable std::mutex pending_mu_;
  std::map<std::uint32_t, Pending> pending_;  // by CSB ID

  std::mutex resume_mu_;
  std::condition_variable resume_cv_;
  bool resume_stop_ = false;
  std::thread resume_thread_;

  std::unique_ptr<KdBatcher> kd_batcher_;  // last: destroyed (its queue answered) before the rest
};

}  // namespace prose::pkmf
