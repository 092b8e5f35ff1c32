// The KD batcher (issue 18 speed): batching, each request's own answer, one failing lookup, the store lost for a
// batch. KdBatchQueue without threads; KdBatcher with a lookup the test holds while more requests arrive.
#include "prose/pkmf/kd_batcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

namespace prose::pkmf {
namespace {

using store::KdLookup;
using store::KdQuery;

KdQuery by_pruk(std::uint64_t id) { return KdQuery{"r1", 0xabcd, id, {}}; }

// A lookup that answers with the PRUK ID as the PRUK's use count, so each answer names its query.
Result<std::vector<Result<KdLookup>>> echo(const std::vector<KdQuery>& qs) {
  std::vector<Result<KdLookup>> out;
  for (const auto& q : qs) {
    KdLookup l;
    l.relay_known = true;
    store::PrukRecord p;
    p.pruk_id = *q.pruk_id;
    p.use_count = *q.pruk_id;
    l.pruk = std::move(p);
    out.emplace_back(std::move(l));
  }
  return out;
}

TEST(KdBatchQueue, TakesInArrivalOrderUpToTheLimit) {
  KdBatchQueue q;
  for (std::uint64_t i = 1; i <= 5; ++i) q.add(by_pruk(i), [](Result<KdLookup>) {});
  auto first = q.take(3);
  ASSERT_EQ(first.queries.size(), 3u);
  EXPECT_EQ(*first.queries[0].pruk_id, 1u);
  EXPECT_EQ(*first.queries[2].pruk_id, 3u);
  EXPECT_EQ(q.size(), 2u);
  auto rest = q.take(64);
  ASSERT_EQ(rest.queries.size(), 2u);
  EXPECT_EQ(*rest.queries[1].pruk_id, 5u);
  EXPECT_TRUE(q.take(64).empty());
}

TEST(KdBatchQueue, EachRequestGetsItsOwnAnswerAndOneFailureStaysItsOwn) {
  KdBatchQueue q;
  std::vector<Result<KdLookup>> got;
  for (std::uint64_t i = 1; i <= 3; ++i) q.add(by_pruk(i), [&](Result<KdLookup> r) { got.push_back(std::move(r)); });
  auto batch = q.take(64);
  auto answers = echo(batch.queries);
  (*answers)[1] = fail(Errc::kAuthFailed, "PRUK does not decrypt");
  KdBatchQueue::dispatch(batch, std::move(answers));
  ASSERT_EQ(got.size(), 3u);
  ASSERT_TRUE(got[0].ok());
  EXPECT_EQ(got[0]->pruk->pruk_id, 1u);
  ASSERT_FALSE(got[1].ok());
  EXPECT_EQ(got[1].error().code, Errc::kAuthFailed);
  ASSERT_TRUE(got[2].ok());
  EXPECT_EQ(got[2]->pruk->pruk_id, 3u);
}

TEST(KdBatchQueue, AStoreFailureFailsEveryRequestOfTheBatch) {
  KdBatchQueue q;
  int failed = 0;
  for (std::uint64_t i = 1; i <= 4; ++i)
    q.add(by_pruk(i), [&](Result<KdLookup> r) { failed += (!r.ok() && r.error().code == Errc::kIo) ? 1 : 0; });
  auto batch = q.take(64);
  KdBatchQueue::dispatch(batch, fail(Errc::kIo, "server closed the connection unexpectedly"));
  EXPECT_EQ(failed, 4);
}

TEST(KdBatchQueue, AWrongNumberOfAnswersFailsTheBatch) {
  KdBatchQueue q;
  int failed = 0;
  for (std::uint64_t i = 1; i <= 2; ++i) q.add(by_pruk(i), [&](Result<KdLookup> r) { failed += r.ok() ? 0 : 1; });
  auto batch = q.take(64);
  auto answers = echo(batch.queries);
  answers->pop_back();
  KdBatchQueue::dispatch(batch, std::move(answers));
  EXPECT_EQ(failed, 2);
}

// A lookup the test holds: it records each batch's size and waits until the test lets it go.
struct HeldLookup {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::size_t> sizes;
  int released = 0;
  std::function<bool(std::size_t batch_index)> store_lost = [](std::size_t) { return false; };

  KdBatchLookup fn() {
    return [this](const std::vector<KdQuery>& qs) -> Result<std::vector<Result<KdLookup>>> {
      std::unique_lock<std::mutex> lock(mu);
      const std::size_t index = sizes.size();
      sizes.push_back(qs.size());
      cv.notify_all();
      cv.wait(lock, [&] { return released > static_cast<int>(index); });
      if (store_lost(index)) return fail(Errc::kIo, "postgres: server closed the connection");
      return echo(qs);
    };
  }
  void wait_for_batches(std::size_t n) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return sizes.size() >= n; });
  }
  void release() {
    std::lock_guard<std::mutex> lock(mu);
    ++released;
    cv.notify_all();
  }
};

TEST(KdBatcher, RequestsArrivingWhileALookupIsInFlightFormTheNextBatch) {
  HeldLookup held;
  KdBatcher batcher(KdBatcherConfig{64, 1}, held.fn());
  std::vector<std::promise<Result<KdLookup>>> answers(6);
  auto submit = [&](std::size_t i) {
    batcher.submit(by_pruk(i + 1), [&answers, i](Result<KdLookup> r) { answers[i].set_value(std::move(r)); });
  };
  submit(0);
  held.wait_for_batches(1);  // the first request's lookup is in flight
  for (std::size_t i = 1; i < 6; ++i) submit(i);
  held.release();
  held.wait_for_batches(2);
  held.release();
  for (std::size_t i = 0; i < 6; ++i) {
    auto r = answers[i].get_future().get();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->pruk->pruk_id, i + 1) << "each request gets its own answer";
  }
  EXPECT_EQ(held.sizes, (std::vector<std::size_t>{1, 5}));
  auto st = batcher.stats();
  EXPECT_EQ(st.batches, 2u);
  EXPECT_EQ(st.requests, 6u);
  EXPECT_EQ(st.largest, 5u);
}

TEST(KdBatcher, MaxBatchSplitsALongQueue) {
  HeldLookup held;
  KdBatcher batcher(KdBatcherConfig{2, 1}, held.fn());
  std::atomic<int> done{0};
  batcher.submit(by_pruk(1), [&](Result<KdLookup>) { ++done; });
  held.wait_for_batches(1);
  for (std::uint64_t i = 2; i <= 6; ++i) batcher.submit(by_pruk(i), [&](Result<KdLookup>) { ++done; });
  for (int b = 0; b < 4; ++b) held.release();
  while (done < 6) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(held.sizes, (std::vector<std::size_t>{1, 2, 2, 1}));
}

TEST(KdBatcher, StoreLostForOneBatchFailsThatBatchOnly) {
  HeldLookup held;
  held.store_lost = [](std::size_t index) { return index == 1; };
  KdBatcher batcher(KdBatcherConfig{64, 1}, held.fn());
  std::vector<std::promise<Result<KdLookup>>> answers(4);
  auto submit = [&](std::size_t i) {
    batcher.submit(by_pruk(i + 1), [&answers, i](Result<KdLookup> r) { answers[i].set_value(std::move(r)); });
  };
  submit(0);
  held.wait_for_batches(1);
  submit(1);
  submit(2);
  held.release();  // batch 0 answered; batch 1 (requests 1 and 2) loses the store
  held.wait_for_batches(2);
  held.release();
  EXPECT_TRUE(answers[0].get_future().get().ok());
  auto a1 = answers[1].get_future().get(), a2 = answers[2].get_future().get();
  ASSERT_FALSE(a1.ok());
  EXPECT_EQ(a1.error().code, Errc::kIo);
  EXPECT_FALSE(a2.ok());
  submit(3);  // the store is back for the next batch
  held.wait_for_batches(3);
  held.release();
  EXPECT_TRUE(answers[3].get_future().get().ok());
}

TEST(KdBatcher, DestructionAnswersWhatIsQueued) {
  std::atomic<int> answered{0};
  {
    KdBatcher batcher(KdBatcherConfig{64, 2}, echo);
    for (std::uint64_t i = 1; i <= 100; ++i)
      batcher.submit(by_pruk(i), [&](Result<KdLookup> r) {
        if (r.ok()) ++answered;
      });
  }
  EXPECT_EQ(answered.load(), 100);
}

}  // namespace
}  // namespace prose::pkmf
