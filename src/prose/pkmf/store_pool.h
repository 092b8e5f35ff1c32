// A pool of Store connections for the HTTPS worker threads (a Store is one connection, not thread-safe).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "prose/store/store.h"

namespace prose::pkmf {

class StorePool {
 public:
  StorePool(std::string url, SecretBytes kek) : url_(std::move(url)), kek_(std::move(kek)) {}

  class Lease {
   public:
    Lease(StorePool* pool, std::unique_ptr<store::Store> s) : pool_(pool), store_(std::move(s)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (store_) pool_->give_back(std::move(store_));
    }
    store::Store& operator*() { return *store_; }
    store::Store* operator->() { return store_.get(); }

   private:
    StorePool* pool_;
    std::unique_ptr<store::Store> store_;
  };

  // Opens a connection when none is idle.
  Result<Lease> acquire();

 private:
  void give_back(std::unique_ptr<store::Store> s);
  std::string url_;
  SecretBytes kek_;
  std::mutex mu_;
  std::vector<std::unique_ptr<store::Store>> idle_;
};

}  // namespace prose::pkmf
