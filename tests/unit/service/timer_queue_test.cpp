#include "prose/service/timer_queue.h"

#include <gtest/gtest.h>

namespace prose::service {
namespace {

using link::Millis;
using link::TimePoint;
using link::TimerCmd;
using link::TimerId;

TimePoint at(long long ms) { return TimePoint(Millis(ms)); }
TimerCmd arm(TimerId id, long long ms) { return TimerCmd{TimerCmd::Op::kArm, id, at(ms)}; }
TimerCmd cancel(TimerId id) { return TimerCmd{TimerCmd::Op::kCancel, id, {}}; }

TEST(TimerQueue, DueInDeadlineOrderAcrossLinks) {
  TimerQueue q;
  EXPECT_FALSE(q.earliest());
  q.apply(7, {arm(TimerId::kT4108, 300), arm(TimerId::kT4111, 100)});
  q.apply(3, {arm(TimerId::kT4111, 200)});
  q.apply(9, {arm(TimerId::kT4103, 100)});
  EXPECT_EQ(q.size(), 4u);
  EXPECT_EQ(*q.earliest(), at(100));
  EXPECT_TRUE(q.take_due(at(99)).empty());
  auto d = q.take_due(at(200));
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].owner, 7u);  // 100 ms: ties ordered by owner
  EXPECT_EQ(d[0].id, TimerId::kT4111);
  EXPECT_EQ(d[1].owner, 9u);
  EXPECT_EQ(d[2].owner, 3u);  // 200 ms
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(*q.earliest(), at(300));
  EXPECT_FALSE(q.deadline(7, TimerId::kT4111));  // taken timers are no longer armed
  EXPECT_EQ(*q.deadline(7, TimerId::kT4108), at(300));
}

TEST(TimerQueue, RearmMovesCancelRemoves) {
  TimerQueue q;
  q.apply(1, {arm(TimerId::kT4108, 100)});
  q.apply(1, {arm(TimerId::kT4108, 500)});  // re-armed (inactivity timer restarted): the old deadline is gone
  EXPECT_EQ(q.size(), 1u);
  EXPECT_TRUE(q.take_due(at(499)).empty());
  EXPECT_EQ(*q.earliest(), at(500));
  q.apply(1, {arm(TimerId::kT4111, 50), cancel(TimerId::kT4111), cancel(TimerId::kT4101)});  // not armed: no-op
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(*q.earliest(), at(500));
  q.apply(1, {cancel(TimerId::kT4108)});
  EXPECT_EQ(q.size(), 0u);
  EXPECT_FALSE(q.earliest());
  EXPECT_TRUE(q.take_due(at(10000)).empty());
}

TEST(TimerQueue, RemoveOneLinkKeepsTheOthers) {
  TimerQueue q;
  q.apply(1, {arm(TimerId::kT4100, 10), arm(TimerId::kT4108, 20), arm(TimerId::kRekey, 30)});
  q.apply(2, {arm(TimerId::kT4100, 15)});
  q.apply(0, {arm(TimerId::kT4108, 40)});
  q.remove(1);
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(*q.earliest(), at(15));
  q.remove(5);  // no timers: nothing happens
  auto d = q.take_due(at(100));
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].owner, 2u);
  EXPECT_EQ(d[1].owner, 0u);
}

TEST(TimerQueue, ManyLinksOnlyDueOnesReturned) {
  TimerQueue q;
  for (std::uint32_t l2 = 0; l2 < 1000; ++l2) q.apply(l2, {arm(TimerId::kT4108, 1000 + l2)});
  auto d = q.take_due(at(1004));
  ASSERT_EQ(d.size(), 5u);
  for (std::uint32_t i = 0; i < 5; ++i) EXPECT_EQ(d[i].owner, i);
  EXPECT_EQ(q.size(), 995u);
  EXPECT_EQ(*q.earliest(), at(1005));
}

}  // namespace
}  // namespace prose::service
