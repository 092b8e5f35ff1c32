// The PKMF decodes requests on several I/O threads: libxml2 is set up once (prose/xml/parse.h, std::call_once) and
// the compiled schema is shared read-only. Each test runs in its own process (ctest), so here the first use of
// libxml2 and of the schema happens on several threads at once.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <thread>
#include <vector>

#include "prose/pc8/codec.h"
#include "test_util.h"

namespace prose::pc8 {
namespace {

TEST(Pc8Threads, FirstUseAndDecodesOnManyThreadsAtOnce) {
  const std::string good = test::example_xml("kd-request");
  const std::string keys = test::example_xml("kd-response");
  const std::string bad = good + "\n<";
  const std::string invalid = test::replace(good, "00a1b2", "00a1b");
  constexpr int kThreads = 4;
  std::latch start(kThreads);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      for (int i = 0; i < 200; ++i) {
        if (!Codec::decode(good).ok() || !Codec::decode(keys).ok()) ++wrong;
        auto b = Codec::decode(bad);
        if (b.ok() || decode_errc_of(b.error()) != DecodeErrc::kNotWellFormed) ++wrong;
        auto v = Codec::decode(invalid);
        if (v.ok() || decode_errc_of(v.error()) != DecodeErrc::kSchemaInvalid) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace prose::pc8
