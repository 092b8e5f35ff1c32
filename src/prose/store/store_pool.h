// A pool of Store connections for server worker threads (a Store is one connection, not thread-safe), shared by
// the PKMF and the ProSe Function. A lease gives its connection back when it ends, unless the connection was lost
// (Store::connected(), e.g. the PostgreSQL server died or restarted): then it is closed, together with every other
// connection opened before (they went to the same server), and the next lease opens a new one. With a libpq
// multi-host URL (target_session_attrs=read-write) that new connection goes to whichever server accepts writes, so
// after a standby is promoted the pool reconnects to it on its own; until then opening fails at once and the
// request in flight gets an error instead of waiting.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "prose/store/store.h"

namespace prose::store {

class StorePool {
 public:
  StorePool(std::string url, SecretBytes kek) : url_(std::move(url)), kek_(std::move(kek)) {}

  class Lease {
   public:
    Lease(StorePool* pool, std::unique_ptr<Store> s, std::uint64_t generation)
        : pool_(pool), store_(std::move(s)), generation_(generation) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (store_) pool_->give_back(std::move(store_), generation_);
    }
    Store& operator*() { return *store_; }
    Store* operator->() { return store_.get(); }

   private:
    StorePool* pool_;
    std::unique_ptr<Store> store_;
    std::uint64_t generation_;
  };

  // Opens a connection when none is idle.
  Result<Lease> acquire();
  std::size_t idle() const;

  // What the pool saw of its database (the PKMF's /metrics).
  struct Health {
    bool connected = false;       // the last connection opened or returned was alive
    std::uint64_t failovers = 0;  // new connections that reached another server than the one before
    std::string server;           // "host:port" of the last connection opened (empty: none yet, or SQLite)
  };
  Health health() const;

 private:
  void give_back(std::unique_ptr<Store> s, std::uint64_t generation);
  std::string url_;
  SecretBytes kek_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Store>> idle_;
  std::uint64_t generation_ = 0;  // raised when a connection is found lost: older ones are not reused
  Health health_;
};

}  // namespace prose::store
