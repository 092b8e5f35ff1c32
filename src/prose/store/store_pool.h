// A pool of Store connections for server worker threads (a Store is one connection, not thread-safe), shared by
// the PKMF and the ProSe Function. A lease gives its connection back when it ends, unless the connection was lost
// (Store::connected(), e.g. the PostgreSQL server restarted): then the next lease opens a new one.
#pragma once

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
    Lease(StorePool* pool, std::unique_ptr<Store> s) : pool_(pool), store_(std::move(s)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (store_) pool_->give_back(std::move(store_));
    }
    Store& operator*() { return *store_; }
    Store* operator->() { return store_.get(); }

   private:
    StorePool* pool_;
    std::unique_ptr<Store> store_;
  };

  // Opens a connection when none is idle.
  Result<Lease> acquire();
  std::size_t idle() const;

 private:
  void give_back(std::unique_ptr<Store> s);
  std::string url_;
  SecretBytes kek_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Store>> idle_;
};

}  // namespace prose::store
