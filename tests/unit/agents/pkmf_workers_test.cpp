#include "prose/agents/pkmf_workers.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace prose::agents {
namespace {

// A client that is never connected: the calls under test do not use the network.
Result<std::unique_ptr<net::HttpsClient>> idle_client() {
  net::HttpsClientConfig c;
  c.host = "127.0.0.1";
  c.port = 9;
  return net::HttpsClient::create(c);
}

pc8::Request kd_request(std::uint32_t tid) {
  pc8::KdRequest r;
  r.transaction_id.value = tid;
  return pc8::Request(std::move(r));
}

bool wait_readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 10000) == 1;
}

// The answer the fake PKMF gives: a KdResponse carrying the request's transaction ID (error outcome).
Result<pc8::Response> echo(const pc8::Request& req) {
  pc8::KdResponse resp;
  resp.transaction_id = std::get<pc8::KdRequest>(req).transaction_id;
  resp.outcome = pc8::ErrorCode::kInternalError;
  return pc8::Response(std::move(resp));
}

TEST(PkmfWorkers, CallsRunConcurrentlyAndComeBackToTheirOwners) {
  ASSERT_TRUE(idle_client().ok()) << idle_client().error().to_string();
  constexpr int kThreads = 4;
  std::mutex mu;
  std::condition_variable cv;
  int inside = 0;
  // Every call waits until all four are inside at once: with fewer than four running concurrently, the calls time
  // out and come back as errors.
  auto call = [&](net::HttpsClient&, const pc8::Request& req) -> Result<pc8::Response> {
    std::unique_lock<std::mutex> lock(mu);
    ++inside;
    cv.notify_all();
    if (!cv.wait_for(lock, std::chrono::seconds(10), [&] { return inside >= kThreads; }))
      return fail(Errc::kTimeout, "not concurrent");
    return echo(req);
  };
  auto w = PkmfWorkers::start(kThreads, idle_client, call);
  ASSERT_TRUE(w.ok()) << w.error().to_string();
  std::map<std::uint64_t, std::uint32_t> owner_of;
  for (std::uint32_t i = 0; i < kThreads; ++i) owner_of[(*w)->submit(0x100 + i, kd_request(1000 + i))] = 0x100 + i;
  EXPECT_EQ((*w)->in_flight(), 4u);
  std::vector<PkmfWorkers::Done> done;
  while (done.size() < kThreads) {
    ASSERT_TRUE(wait_readable((*w)->fd())) << "the eventfd signals finished jobs";
    for (auto& d : (*w)->take()) done.push_back(std::move(d));
  }
  EXPECT_EQ((*w)->in_flight(), 0u);
  for (const auto& d : done) {
    ASSERT_TRUE(d.response.ok()) << d.response.error().to_string();
    EXPECT_EQ(owner_of.at(d.job), d.owner);
    auto& kr = std::get<pc8::KdResponse>(*d.response);
    EXPECT_EQ(kr.transaction_id.value, 1000 + (d.owner - 0x100)) << "each answer belongs to its own request";
  }
  EXPECT_TRUE((*w)->take().empty());
}

TEST(PkmfWorkers, ConnectFailuresAreTheJobsErrorAndTheNextJobConnectsAgain) {
  int connects = 0;
  auto connect = [&]() -> Result<std::unique_ptr<net::HttpsClient>> {
    if (++connects == 1) return fail(Errc::kIo, "PKMF unreachable");
    return idle_client();
  };
  auto w = PkmfWorkers::start(1, connect, [](net::HttpsClient&, const pc8::Request& r) { return echo(r); });
  ASSERT_TRUE(w.ok());
  (*w)->submit(1, kd_request(1));
  (*w)->submit(2, kd_request(2));
  std::vector<PkmfWorkers::Done> done;
  while (done.size() < 2) {
    ASSERT_TRUE(wait_readable((*w)->fd()));
    for (auto& d : (*w)->take()) done.push_back(std::move(d));
  }
  ASSERT_FALSE(done[0].response.ok());
  EXPECT_EQ(done[0].response.error().code, Errc::kIo);
  EXPECT_NE(done[0].response.error().message.find("unreachable"), std::string::npos);
  EXPECT_TRUE(done[1].response.ok()) << "the second job connected again";
  EXPECT_EQ(connects, 2);
}

TEST(PkmfWorkers, BadThreadCountAndStopWithQueuedJobs) {
  EXPECT_FALSE(
      PkmfWorkers::start(0, idle_client, [](net::HttpsClient&, const pc8::Request& r) { return echo(r); }).ok());
  EXPECT_FALSE(
      PkmfWorkers::start(65, idle_client, [](net::HttpsClient&, const pc8::Request& r) { return echo(r); }).ok());
  // The first call blocks until the test lets it go, while the test is already stopping the workers: whatever the
  // scheduling, at most that call runs, and the 49 queued behind it must be dropped.
  std::atomic<int> calls{0};
  std::atomic<bool> release{false};
  auto w = PkmfWorkers::start(1, idle_client, [&](net::HttpsClient&, const pc8::Request& r) {
    ++calls;
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return echo(r);
  });
  ASSERT_TRUE(w.ok());
  for (std::uint32_t i = 0; i < 50; ++i) (*w)->submit(i, kd_request(i));
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    release = true;
  });
  w->reset();  // joins: the running call finishes, the queued ones are dropped
  releaser.join();
  EXPECT_LE(calls.load(), 1) << "queued jobs were run instead of dropped";
}

}  // namespace
}  // namespace prose::agents
