#include "prose/store/store_pool.h"

#include "prose/util/log.h"

namespace prose::store {

Result<StorePool::Lease> StorePool::acquire() {
  std::uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      auto s = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(s), generation_);
    }
    generation = generation_;
  }
  auto s = open_store(url_, kek_);
  std::lock_guard<std::mutex> lock(mu_);
  if (!s.ok()) {
    health_.connected = false;
    return s.error();
  }
  health_.connected = true;
  std::string server = (*s)->server();
  if (server != health_.server) {
    if (!health_.server.empty()) {
      ++health_.failovers;
      log::warn("store: connected to {} (was {})", server, health_.server);
    }
    health_.server = std::move(server);
  }
  return Lease(this, std::move(*s), generation);
}

std::size_t StorePool::idle() const {
  std::lock_guard<std::mutex> lock(mu_);
  return idle_.size();
}

StorePool::Health StorePool::health() const {
  std::lock_guard<std::mutex> lock(mu_);
  return health_;
}

void StorePool::give_back(std::unique_ptr<Store> s, std::uint64_t generation) {
  std::vector<std::unique_ptr<Store>> closing;  // closed outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  if (!s->connected()) {  // a lost connection is closed, not reused, and so are the others of its time
    if (generation == generation_) {
      ++generation_;
      health_.connected = false;
      closing.swap(idle_);
      log::warn("store: lost the connection to {}; closing {} idle connection(s)", health_.server, closing.size());
    }
    closing.push_back(std::move(s));
    return;
  }
  if (generation != generation_) return;  // opened before a connection was found lost
  idle_.push_back(std::move(s));
}

}  // namespace prose::store
