#include "prose/pkmf/store_pool.h"

namespace prose::pkmf {

Result<StorePool::Lease> StorePool::acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      auto s = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(s));
    }
  }
  PROSE_TRY(auto s, store::open_store(url_, kek_));
  return Lease(this, std::move(s));
}

void StorePool::give_back(std::unique_ptr<store::Store> s) {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(std::move(s));
}

}  // namespace prose::pkmf
