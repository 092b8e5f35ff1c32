// NafKeys with a Zn fetch that blocks on a latch (a slow or dead BSF): a lookup waiting for the BSF does not delay
// lookups of other B-TIDs, lookups of the same B-TID share one fetch, the wait is bounded, and the fetches running
// at once are capped.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "prose/gba_naf/naf_keys.h"

namespace prose::gba_naf {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSlow = "slow@bsf.prose.lab";  // its fetch blocks until release()
constexpr net::PskContext kTls13{net::TlsVersion::kTls13, 0};

// A BSF that answers every B-TID at once except kSlow, which it answers only after release().
struct LatchedZn {
  std::mutex m;
  std::condition_variable cv;
  bool released = false;
  std::map<std::string, int> calls;

  NafKeys::Fetch fetch() {
    return [this](std::string_view btid, ByteView) -> Result<diameter::ZnKey> {
      std::unique_lock lock(m);
      ++calls[std::string(btid)];
      cv.notify_all();
      if (btid == kSlow) cv.wait(lock, [this] { return released; });
      return diameter::ZnKey{"001010000000001@ims.mnc001.mcc001.3gppnetwork.org", SecretBytes(Bytes(32, 0x42)), 1000,
                             0};
    };
  }
  int calls_of(const std::string& btid) {
    std::lock_guard lock(m);
    return calls[btid];
  }
  // Waits (at most 5 s) until the BSF has been asked for `btid` `n` times.
  bool wait_for_calls(const std::string& btid, int n) {
    std::unique_lock lock(m);
    return cv.wait_for(lock, 5s, [&] { return calls[btid] >= n; });
  }
  void release() {
    std::lock_guard lock(m);
    released = true;
    cv.notify_all();
  }
};

// Declared after the NafKeys: releases the BSF before the NafKeys destructor waits for its fetches.
struct ReleaseAtEnd {
  LatchedZn& zn;
  ~ReleaseAtEnd() { zn.release(); }
};

template <typename F>
std::chrono::milliseconds time_of(F&& f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
}

TEST(NafKeysConcurrency, ALookupWaitingForTheBsfDoesNotDelayOtherBtids) {
  LatchedZn zn;
  NafKeys keys(
      "pkmf.prose.lab", zn.fetch(), [] { return std::int64_t{100}; }, 100, NafKeys::Options{.wait = 30s});
  ReleaseAtEnd guard{zn};
  ASSERT_TRUE(keys.lookup("cached@bsf.prose.lab", kTls13).ok());  // B: in the cache from now on
  auto slow = std::async(std::launch::async, [&] { return keys.lookup(kSlow, kTls13); });
  ASSERT_TRUE(zn.wait_for_calls(kSlow, 1));  // A is now waiting for the BSF
  auto cached_time = time_of([&] { EXPECT_TRUE(keys.lookup("cached@bsf.prose.lab", kTls13).ok()); });
  auto uncached_time = time_of([&] { EXPECT_TRUE(keys.lookup("fresh@bsf.prose.lab", kTls13).ok()); });
  EXPECT_LT(cached_time, 1s);
  EXPECT_LT(uncached_time, 1s);
  EXPECT_EQ(zn.calls_of("cached@bsf.prose.lab"), 1);
  EXPECT_EQ(zn.calls_of("fresh@bsf.prose.lab"), 1);
  EXPECT_EQ(slow.wait_for(0ms), std::future_status::timeout);  // A still waits
  zn.release();
  auto a = slow.get();
  ASSERT_TRUE(a.ok()) << a.error().to_string();
  EXPECT_EQ(a->peer->id(), "001010000000001");
}

TEST(NafKeysConcurrency, LookupsOfTheSameBtidShareOneFetch) {
  LatchedZn zn;
  NafKeys keys(
      "pkmf.prose.lab", zn.fetch(), [] { return std::int64_t{100}; }, 100, NafKeys::Options{.wait = 30s});
  ReleaseAtEnd guard{zn};
  std::vector<std::future<Result<net::PskGrant>>> waiting;
  for (int i = 0; i < 4; ++i)
    waiting.push_back(std::async(std::launch::async, [&] { return keys.lookup(kSlow, kTls13); }));
  ASSERT_TRUE(zn.wait_for_calls(kSlow, 1));
  std::this_thread::sleep_for(200ms);  // the other three reach the wait
  EXPECT_EQ(zn.calls_of(kSlow), 1);
  zn.release();
  for (auto& w : waiting) {
    auto g = w.get();
    ASSERT_TRUE(g.ok()) << g.error().to_string();
    EXPECT_EQ(g->key.view()[0], 0x42);
  }
  EXPECT_EQ(zn.calls_of(kSlow), 1);
  EXPECT_EQ(keys.fetches(), 1u);
}

TEST(NafKeysConcurrency, TheWaitIsBoundedAndTheLateAnswerIsKeptForTheRetry) {
  LatchedZn zn;
  NafKeys keys(
      "pkmf.prose.lab", zn.fetch(), [] { return std::int64_t{100}; }, 100, NafKeys::Options{.wait = 100ms});
  ReleaseAtEnd guard{zn};
  Result<net::PskGrant> first = fail(Errc::kInternal, "not run");
  auto took = time_of([&] { first = keys.lookup(kSlow, kTls13); });
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, Errc::kTimeout);
  EXPECT_NE(first.error().message.find("did not answer within 100 ms"), std::string::npos) << first.error().message;
  EXPECT_LT(took, 2s);
  zn.release();
  // The fetch finishes on its own thread and fills the cache; the client's next handshake gets the key.
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (keys.cached() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  auto retry = keys.lookup(kSlow, kTls13);
  ASSERT_TRUE(retry.ok()) << retry.error().to_string();
  EXPECT_EQ(zn.calls_of(kSlow), 1);
}

TEST(NafKeysConcurrency, FetchesBeyondTheCapFailAtOnce) {
  LatchedZn zn;
  NafKeys keys(
      "pkmf.prose.lab", zn.fetch(), [] { return std::int64_t{100}; }, 100,
      NafKeys::Options{.wait = 30s, .max_fetches = 1});
  ReleaseAtEnd guard{zn};
  auto slow = std::async(std::launch::async, [&] { return keys.lookup(kSlow, kTls13); });
  ASSERT_TRUE(zn.wait_for_calls(kSlow, 1));
  auto other = keys.lookup("other@bsf.prose.lab", kTls13);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, Errc::kTimeout);
  EXPECT_EQ(zn.calls_of("other@bsf.prose.lab"), 0);  // the BSF was not asked
  zn.release();
  EXPECT_TRUE(slow.get().ok());
  EXPECT_TRUE(keys.lookup("other@bsf.prose.lab", kTls13).ok());  // a free slot again
}

}  // namespace
}  // namespace prose::gba_naf
