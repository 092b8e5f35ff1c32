// Audit retention: the audit table gets one entry per key issued or derived (one per KD request), so without a
// limit it grows forever. The PKMF deletes entries older than `[store] audit_retention_days` when it starts and
// then every kAuditPruneInterval, in batches of kAuditPruneBatch rows (one short transaction each, so key
// requests never wait long for the database). 0 days keeps everything.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>

#include "prose/store/store_pool.h"
#include "prose/util/result.h"

namespace prose::pkmf {

inline constexpr std::int64_t kDefaultAuditRetentionDays = 365;
inline constexpr std::int64_t kMaxAuditRetentionDays = 100 * 366;
inline constexpr std::chrono::milliseconds kAuditPruneInterval = std::chrono::hours(1);
inline constexpr std::size_t kAuditPruneBatch = 10000;

// One pass: deletes every entry written before now - retention_days, batch by batch, until a batch comes back
// short or `*stop` is set; returns how many.
Result<std::size_t> prune_audit(store::StorePool& stores, std::int64_t retention_days, std::int64_t now,
                                std::size_t batch = kAuditPruneBatch, const std::atomic<bool>* stop = nullptr);

// A thread that runs prune_audit at start and then every `interval` until destroyed (errors are logged and
// retried at the next pass). Nothing runs when retention_days is 0.
class AuditRetention {
 public:
  AuditRetention(store::StorePool& stores, std::int64_t retention_days,
                 std::chrono::milliseconds interval = kAuditPruneInterval);
  ~AuditRetention();
  AuditRetention(const AuditRetention&) = delete;
  AuditRetention& operator=(const AuditRetention&) = delete;

  // Entries deleted since the start (for tests and the log).
  std::size_t pruned() const;

 private:
  void run();
  store::StorePool& stores_;
  const std::int64_t retention_days_;
  const std::chrono::milliseconds interval_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> stop_{false};
  std::size_t pruned_ = 0;
  std::thread thread_;
};

}  // namespace prose::pkmf
