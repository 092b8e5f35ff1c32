#include "prose/pkmf/mikey_sender.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
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

}  // namespace
}  // namespace prose::pkmf
