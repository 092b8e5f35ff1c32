#include "prose/agents/event_loop.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <thread>

namespace prose::agents {
namespace {

using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

long long ms_since(Steady::time_point t) { return std::chrono::duration_cast<milliseconds>(Steady::now() - t).count(); }

class EventLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(install_signals().ok());
    ASSERT_TRUE(loop_.open().ok());
  }
  void TearDown() override {
    g_stop = false;
    g_rebind = false;
    g_stop_delivery = false;
  }
  EventLoop loop_;
};

// The handler runs on another thread (raise() there), so epoll_wait is not interrupted by EINTR: only the loop's
// self-pipe can end the wait before its 10 s deadline.
TEST_F(EventLoopTest, SignalOnAnotherThreadEndsTheWaitAtOnce) {
  const auto start = Steady::now();
  std::thread t([] {
    std::this_thread::sleep_for(milliseconds(100));
    std::raise(SIGTERM);
  });
  (void)loop_.wait(now() + link::Millis(10000));
  t.join();
  EXPECT_TRUE(g_stop);
  EXPECT_LT(ms_since(start), 2000);
}

TEST_F(EventLoopTest, SighupEndsTheWaitAndIsNoTagOfTheCaller) {
  const auto start = Steady::now();
  std::thread t([] {
    std::this_thread::sleep_for(milliseconds(100));
    std::raise(SIGHUP);
  });
  EXPECT_TRUE(loop_.wait(now() + link::Millis(10000)).empty());  // the pipe's tag is not the caller's
  t.join();
  EXPECT_TRUE(g_rebind);
  EXPECT_FALSE(g_stop);
  EXPECT_LT(ms_since(start), 2000);
}

// A signal between the agent's check of the flags and the wait: the wait ends at once all the same.
TEST_F(EventLoopTest, SignalBeforeTheWaitEndsIt) {
  std::raise(SIGUSR1);
  const auto start = Steady::now();
  (void)loop_.wait(now() + link::Millis(10000));
  EXPECT_TRUE(g_stop_delivery);
  EXPECT_LT(ms_since(start), 1000);
  // The pipe was drained: the next wait lasts to its deadline.
  const auto again = Steady::now();
  (void)loop_.wait(now() + link::Millis(300));
  EXPECT_GE(ms_since(again), 290);
}

// No cap: a deadline 1.5 s away (beyond the 100/500 ms the loop used to stop at) is when the wait ends.
TEST_F(EventLoopTest, DeadlineEndsTheWaitOnTimeWithoutACap) {
  const auto start = Steady::now();
  (void)loop_.wait(now() + link::Millis(1500));
  const auto waited = ms_since(start);
  EXPECT_GE(waited, 1490);
  EXPECT_LT(waited, 2500);
}

TEST_F(EventLoopTest, ReadableDescriptorReportsItsTag) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  ASSERT_TRUE(loop_.watch(p[0], 42).ok());
  ASSERT_EQ(::write(p[1], "x", 1), 1);
  const auto start = Steady::now();
  const auto& ready = loop_.wait(now() + link::Millis(10000));
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0], 42u);
  EXPECT_LT(ms_since(start), 1000);
  loop_.unwatch(p[0]);
  ::close(p[0]);
  ::close(p[1]);
}

TEST(EventLoopClock, PollTimeoutAndEarliest) {
  EXPECT_EQ(poll_timeout(std::nullopt), -1);
  EXPECT_EQ(poll_timeout(now() - link::Millis(5)), 0);
  EXPECT_GT(poll_timeout(now() + link::Millis(100000)), 99000);
  const auto t = now();
  EXPECT_EQ(earliest({std::nullopt, t + link::Millis(5), t}), t);
  EXPECT_FALSE(earliest({std::nullopt, std::nullopt}).has_value());
  EXPECT_LE(at_unix(unix_now() - 10), now());
  EXPECT_GE(at_unix(unix_now() + 10), now() + link::Millis(9000));
}

}  // namespace
}  // namespace prose::agents
