#include "prose/pkmf/mikey_sender.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <sstream>
#include <thread>

namespace prose::pkmf {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

// Issue 17 defect 5: every garbage datagram on the MIKEY port wrote a warning line (5,000 lines for 5,000
// datagrams). Now each one is counted in /metrics and at most one line a second says what was ignored.
TEST(UdpMikeySender, GarbageIsCountedAndLoggedAtMostOnceASecond) {
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  auto logger = std::make_shared<spdlog::logger>("test", sink);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);

  Policy policy;
  Metrics metrics;
  UdpMikeySender sender(policy, metrics);
  auto port = sender.start("127.0.0.1", 0,
                           [](ByteView) -> Result<std::string> { return fail(Errc::kMalformed, "not MIKEY"); }, {});
  ASSERT_TRUE(port.ok()) << port.error().to_string();

  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(*port);
  constexpr int kDatagrams = 1000;
  const std::uint8_t junk[8] = {0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3};
  for (int i = 0; i < kDatagrams; ++i) {
    ::sendto(fd, junk, sizeof junk, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    if (i % 20 == 19) std::this_thread::sleep_for(std::chrono::milliseconds(1));  // stay within the socket buffer
  }
  ::close(fd);
  const std::string want = "prose_pkmf_mikey_messages_total{event=\"ignored\"} " + std::to_string(kDatagrams) + "\n";
  for (int i = 0; i < 200 && metrics.render().find(want) == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  sender.stop();
  spdlog::set_default_logger(previous);

  EXPECT_NE(metrics.render().find(want), std::string::npos) << metrics.render();
  const std::size_t lines = count(captured.str(), "ignored a datagram");
  EXPECT_GE(lines, 1u) << "garbage is still visible in the log";
  EXPECT_LE(lines, 5u) << captured.str().substr(0, 2000);
}

// A UDP socket on 127.0.0.1 that counts what arrives.
class Sink {
 public:
  Sink() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~Sink() { ::close(fd_); }
  std::uint16_t port() const { return port_; }
  int received() {
    std::uint8_t buf[256];
    while (::recv(fd_, buf, sizeof buf, MSG_DONTWAIT) > 0) ++count_;
    return count_;
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  int count_ = 0;
};

MikeyJob job(const std::string& imsi, std::uint16_t port, std::uint32_t csb, bool verify) {
  MikeyJob j;
  j.imsi = imsi;
  j.ip = "127.0.0.1";
  j.port = port;
  j.pruk_id = csb;
  j.csb_id = csb;
  j.message = Bytes{1, 2, 3, 4};
  j.expects_verification = verify;
  return j;
}

std::string metric(const Metrics& m, const std::string& name) {
  std::string text = m.render();
  auto at = text.find("\n" + name + " ");  // a sample line, not its # HELP line
  if (at == std::string::npos) return "absent";
  at += name.size() + 2;
  return text.substr(at, text.find('\n', at) - at);
}

// Issue 17 defect 4: a UE that never answers got max_attempts datagrams for every Key Request. Retransmissions to one
// UE are now capped (over all its deliveries, per minute); first sends are not, and another UE has its own budget.
TEST(UdpMikeySender, RetransmissionsToOneUeAreCapped) {
  Policy policy;
  policy.mikey_max_attempts = 6;
  policy.mikey_initial_backoff_ms = 10;
  policy.mikey_ue_retransmissions_per_minute = 3;
  policy.mikey_max_sends_per_second = 0;
  Metrics metrics;
  std::vector<std::uint32_t> abandoned;
  std::mutex mu;
  UdpMikeySender sender(policy, metrics);
  ASSERT_TRUE(sender
                  .start("127.0.0.1", 0, {},
                         [&](std::uint32_t csb) {
                           std::lock_guard<std::mutex> lock(mu);
                           abandoned.push_back(csb);
                         })
                  .ok());
  Sink a, b;
  for (std::uint32_t csb = 1; csb <= 4; ++csb) sender.send(job("001010000000001", a.port(), csb, true));
  sender.send(job("001010000000002", b.port(), 5, true));
  for (int i = 0; i < 300 && sender.in_flight() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(sender.in_flight(), 0u) << "every delivery ran out of attempts";
  sender.stop();
  EXPECT_EQ(a.received(), 4 + 3) << "four first sends and three retransmissions (24 without the cap)";
  EXPECT_EQ(b.received(), 1 + 3) << "the other UE's budget is its own";
  EXPECT_EQ(metric(metrics, "prose_pkmf_mikey_dropped_total{reason=\"ue-retransmissions\"}"), std::to_string(17 + 2));
  EXPECT_EQ(metric(metrics, "prose_pkmf_mikey_dropped_total{reason=\"rate\"}"), "0");
  EXPECT_EQ(abandoned.size(), 5u) << "a dropped send counts as an attempt: every delivery still ends";
}

// Issue 17 defect 4: the PKMF's MIKEY datagrams in all are capped per second (token bucket); what is over the cap is
// dropped and counted.
TEST(UdpMikeySender, AllSendsAreCappedPerSecond) {
  Policy policy;
  policy.mikey_max_attempts = 1;
  policy.mikey_max_sends_per_second = 5;
  Metrics metrics;
  UdpMikeySender sender(policy, metrics);
  ASSERT_TRUE(sender.start("127.0.0.1", 0, {}, {}).ok());
  Sink ue;
  for (std::uint32_t csb = 1; csb <= 20; ++csb)
    sender.send(job("0010100000000" + std::to_string(10 + csb), ue.port(), csb, false));
  for (int i = 0; i < 100 && sender.in_flight() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  sender.stop();
  EXPECT_LE(ue.received(), 6) << "the burst of 5, and at most one more token in the time the test took";
  EXPECT_GE(ue.received(), 5);
  EXPECT_EQ(metric(metrics, "prose_pkmf_mikey_dropped_total{reason=\"rate\"}"), std::to_string(20 - ue.received()));
  EXPECT_EQ(metric(metrics, "prose_pkmf_mikey_messages_total{event=\"sent\"}"), std::to_string(ue.received()));
}

// A delivery resumed after a restart (MikeyJob::attempts_made) gets what is left of its attempts and reports every
// later send, so that the store always knows how many were made.
TEST(UdpMikeySender, AResumedDeliveryGetsOnlyTheAttemptsLeftAndReportsItsProgress) {
  Policy policy;
  policy.mikey_max_attempts = 5;
  policy.mikey_initial_backoff_ms = 10;
  Metrics metrics;
  std::mutex mu;
  std::vector<MikeyProgress> progress;
  bool gave_up = false;
  UdpMikeySender sender(policy, metrics);
  ASSERT_TRUE(sender
                  .start(
                      "127.0.0.1", 0, {},
                      [&](std::uint32_t) {
                        std::lock_guard<std::mutex> lock(mu);
                        gave_up = true;
                      },
                      [&](const std::vector<MikeyProgress>& p) {
                        std::lock_guard<std::mutex> lock(mu);
                        progress.insert(progress.end(), p.begin(), p.end());
                      })
                  .ok());
  Sink ue;
  MikeyJob j = job("001010000000001", ue.port(), 77, true);
  j.attempts_made = 2;
  sender.send(std::move(j));
  for (int i = 0; i < 300 && sender.in_flight() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  sender.stop();
  EXPECT_EQ(ue.received(), 3) << "5 attempts, 2 made before";
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_TRUE(gave_up);
  ASSERT_EQ(progress.size(), 2u)
      << "the resuming send was counted by whoever resumed it; the two after it are reported";
  EXPECT_EQ(progress[0].pruk_id, 77u);
  EXPECT_EQ(progress[0].attempts, 4u);
  EXPECT_EQ(progress[0].next_in_ms, 80) << "the back-off goes on: 10 ms doubled for every send made";
  EXPECT_EQ(progress[1].attempts, 5u);
  EXPECT_EQ(progress[1].next_in_ms, 160);
}

}  // namespace
}  // namespace prose::pkmf
