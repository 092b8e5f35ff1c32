#include "prose/load/echo.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "prose/load/abort.h"

namespace prose::load {
namespace {

using namespace std::chrono_literals;

TEST(Echo, PayloadCarriesUeAndSequenceInItsKey) {
  Bytes p = make_payload(0x01020304, 0x0a0b0c0d, 64);
  ASSERT_EQ(p.size(), 64u);
  EXPECT_EQ(payload_key(p), 0x010203040a0b0c0dull);
  EXPECT_EQ(payload_key(p) >> 32, 0x01020304u);
}

TEST(Echo, InFlightExpiresOnlyWhatIsOlderThanTheTimeout) {
  InFlight f;
  const auto now = Clock::now();
  f.add(1, Bytes{1}, now - 5s);
  f.add(2, Bytes{2}, now);
  f.add(3, Bytes{3}, now);
  f.pending.erase(3);  // answered: leaves the order without counting as lost
  std::uint64_t lost = 0;
  f.expire(1s, lost);
  EXPECT_EQ(lost, 1u);
  EXPECT_EQ(f.pending.count(1), 0u);
  EXPECT_EQ(f.pending.count(2), 1u);
}

TEST(Echo, DirectEchoThroughTheEchoServer) {
  EchoServer server;
  server.start();
  int checks = 0;
  EchoStats st = direct_echo(server.port(), DirectEchoPlan{5, 4, 100, 8, 2.0}, [&] { ++checks; });
  EXPECT_EQ(st.sent, 20u);
  EXPECT_EQ(st.received + st.lost, 20u);
  EXPECT_EQ(st.corrupt, 0u);
  EXPECT_EQ(st.rtt.size(), st.received);
  EXPECT_TRUE(std::is_sorted(st.rtt.begin(), st.rtt.end()));
  EXPECT_GT(checks, 0);
  EXPECT_GE(server.echoed(), st.received);
}

TEST(Echo, TheCheckEndsARun) {
  EchoServer server;
  server.start();
  EXPECT_THROW(direct_echo(server.port(), DirectEchoPlan{2, 2, 16, 1, 2.0}, [] { failure("timed out"); }), Abort);
}

TEST(Abort, MustNamesWhatFailed) {
  try {
    must(Result<int>(fail(Errc::kIo, "disk full")), "provision UEs");
    FAIL() << "no Abort";
  } catch (const Abort& a) {
    EXPECT_FALSE(a.bad_input);
    EXPECT_EQ(a.errc, Errc::kIo);
    EXPECT_NE(std::string(a.what()).find("provision UEs: "), std::string::npos) << a.what();
    EXPECT_NE(std::string(a.what()).find("disk full"), std::string::npos) << a.what();
  }
  EXPECT_EQ(must(Result<int>(7), "x"), 7);
}

}  // namespace
}  // namespace prose::load
