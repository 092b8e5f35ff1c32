// KD lookups of many requests in one store statement (issue 18 speed). A KD request that needs only the store's
// reads (by PRUK ID) is queued here instead of holding an HTTPS I/O thread while it waits for PostgreSQL. Natural
// batching, no added delay: an idle lookup worker takes everything queued at once (up to max_batch) and runs one
// lookup for it; requests arriving while lookups are in flight queue up and form the next batch. Each request's
// callback gets its own answer: the whole batch's error when the store failed (every request of it fails), or its
// own error (one request failing leaves the others alone).
//
// KdBatchQueue is the sans-I/O core (queueing, taking a batch, dispatching a result); KdBatcher adds the worker
// threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "prose/store/records.h"
#include "prose/util/result.h"

namespace prose::pkmf {

using KdDone = std::function<void(Result<store::KdLookup>)>;
// One batch's lookup: the outer error fails the batch, answer i belongs to query i.
using KdBatchLookup =
    std::function<Result<std::vector<Result<store::KdLookup>>>(const std::vector<store::KdQuery>& queries)>;

class KdBatchQueue {
 public:
  struct Batch {
    std::vector<store::KdQuery> queries;
    std::vector<KdDone> done;
    bool empty() const { return queries.empty(); }
  };
  void add(store::KdQuery query, KdDone done);
  // The oldest `max` queued requests (fewer when fewer are queued), in arrival order.
  Batch take(std::size_t max);
  std::size_t size() const { return queries_.size(); }
  // Calls each request's callback with its answer (or the batch's error; a wrong number of answers is one too).
  static void dispatch(Batch& batch, Result<std::vector<Result<store::KdLookup>>> answers);

 private:
  std::deque<store::KdQuery> queries_;
  std::deque<KdDone> done_;
};

// [store] kd_batch_max and kd_lookups_in_flight (docs/pkmf.md).
struct KdBatcherConfig {
  std::size_t max_batch = 256;  // requests per lookup statement
  // Lookups in flight at once (store connections the batcher uses). One gave the most requests/s on the 2-core
  // machine (docs/performance/pkmf.md): the requests that arrive during a lookup form the next, larger batch.
  std::size_t workers = 1;
};

class KdBatcher {
 public:
  KdBatcher(KdBatcherConfig config, KdBatchLookup lookup);
  ~KdBatcher();  // answers what is queued, then stops the workers
  KdBatcher(const KdBatcher&) = delete;
  KdBatcher& operator=(const KdBatcher&) = delete;

  // Queues one request; `done` runs later on a worker thread.
  void submit(store::KdQuery query, KdDone done);

  struct Stats {
    std::uint64_t batches = 0;
    std::uint64_t requests = 0;
    std::size_t largest = 0;
  };
  Stats stats() const;

 private:
  void work();
  KdBatcherConfig config_;
  KdBatchLookup lookup_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  KdBatchQueue queue_;
  Stats stats_;
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace prose::pkmf
