#include "prose/pkmf/kd_batcher.h"

#include <algorithm>
#include <utility>

namespace prose::pkmf {

void KdBatchQueue::add(store::KdQuery query, KdDone done) {
  queries_.push_back(std::move(query));
  done_.push_back(std::move(done));
}

KdBatchQueue::Batch KdBatchQueue::take(std::size_t max) {
  Batch b;
  const std::size_t n = std::min(max, queries_.size());
  b.queries.reserve(n);
  b.done.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    b.queries.push_back(std::move(queries_.front()));
    queries_.pop_front();
    b.done.push_back(std::move(done_.front()));
    done_.pop_front();
  }
  return b;
}

void KdBatchQueue::dispatch(Batch& batch, Result<std::vector<Result<store::KdLookup>>> answers) {
  if (answers.ok() && answers->size() != batch.done.size()) {
    answers = fail(Errc::kInternal, "the KD batch lookup gave a wrong number of answers");
  }
  for (std::size_t i = 0; i < batch.done.size(); ++i) {
    if (!answers.ok())
      batch.done[i](Result<store::KdLookup>(answers.error()));
    else
      batch.done[i](std::move((*answers)[i]));
  }
}

KdBatcher::KdBatcher(KdBatcherConfig config, KdBatchLookup lookup) : config_(config), lookup_(std::move(lookup)) {
  config_.max_batch = std::max<std::size_t>(config_.max_batch, 1);
  config_.workers = std::max<std::size_t>(config_.workers, 1);
  for (std::size_t i = 0; i < config_.workers; ++i) workers_.emplace_back([this] { work(); });
}

KdBatcher::~KdBatcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void KdBatcher::submit(store::KdQuery query, KdDone done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.add(std::move(query), std::move(done));
  }
  cv_.notify_one();
}

KdBatcher::Stats KdBatcher::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void KdBatcher::work() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || queue_.size() > 0; });
    if (queue_.size() == 0) return;  // stopping, and nothing left to answer
    KdBatchQueue::Batch batch = queue_.take(config_.max_batch);
    ++stats_.batches;
    stats_.requests += batch.queries.size();
    stats_.largest = std::max(stats_.largest, batch.queries.size());
    lock.unlock();
    KdBatchQueue::dispatch(batch, lookup_(batch.queries));
    lock.lock();
  }
}

}  // namespace prose::pkmf
