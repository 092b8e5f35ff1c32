#include "prose/store/store_pool.h"

namespace prose::store {

Result<StorePool::Lease> StorePool::acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      auto s = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(s));
    }
  }
  PROSE_TRY(auto s, open_store(url_, kek_));
  return Lease(this, std::move(s));
}

std::size_t StorePool::idle() const {
  std::lock_guard<std::mutex> lock(mu_);
  return idle_.size();
}

void StorePool::give_back(std::unique_ptr<Store> s) {
  if (!s->connected()) return;  // a lost connection is closed, not reused
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(std::move(s));
}

}  // namespace prose::store
