#include "prose/pkmf/audit_retention.h"

#include <ctime>

#include "prose/util/log.h"

namespace prose::pkmf {

Result<std::size_t> prune_audit(store::StorePool& stores, std::int64_t retention_days, std::int64_t now,
                                std::size_t batch, const std::atomic<bool>* stop) {
  if (retention_days <= 0) return std::size_t{0};
  const std::int64_t before = now - retention_days * 86400;
  std::size_t total = 0;
  for (;;) {
    PROSE_TRY(auto lease, stores.acquire());
    PROSE_TRY(std::size_t n, lease->prune_audit(before, batch));
    total += n;
    if (n < batch || (stop != nullptr && stop->load())) return total;
  }
}

AuditRetention::AuditRetention(store::StorePool& stores, std::int64_t retention_days,
                               std::chrono::milliseconds interval)
    : stores_(stores), retention_days_(retention_days), interval_(interval) {
  if (retention_days_ > 0) thread_ = std::thread([this] { run(); });
}

AuditRetention::~AuditRetention() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::size_t AuditRetention::pruned() const {
  std::lock_guard lock(mu_);
  return pruned_;
}

void AuditRetention::run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    auto n = prune_audit(stores_, retention_days_, std::time(nullptr), kAuditPruneBatch, &stop_);
    if (!n.ok())
      log::error("audit: pruning entries older than {} days failed: {}", retention_days_, n.error().to_string());
    else if (*n > 0)
      log::info("audit: deleted {} entries older than {} days", *n, retention_days_);
    lock.lock();
    if (n.ok()) pruned_ += *n;
    cv_.wait_for(lock, interval_, [this] { return stop_.load(); });
  }
}

}  // namespace prose::pkmf
