#include "prose/testbed/wait.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "prose/testbed/ports.h"

namespace prose::testbed {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A socket bound to 127.0.0.1:0 (listening for TCP); closed at the end of the test.
struct Bound {
  explicit Bound(int type) : fd(::socket(AF_INET, type, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && (type != SOCK_STREAM || ::listen(fd, 4) == 0) &&
         ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
    port = ntohs(a.sin_port);
  }
  ~Bound() { ::close(fd); }
  int fd;
  bool ok = false;
  std::uint16_t port = 0;
};

TEST(Ports, FreePortsAreNotInUse) {
  auto t = free_port(Proto::kTcp);
  auto u = free_port(Proto::kUdp);
  ASSERT_TRUE(t.ok() && u.ok());
  EXPECT_NE(*t, 0);
  EXPECT_NE(*u, 0);
  EXPECT_FALSE(tcp_accepting(*t));
  EXPECT_FALSE(udp_bound(*u));
}

TEST(Wait, TcpListener) {
  Bound l(SOCK_STREAM);
  ASSERT_TRUE(l.ok);
  EXPECT_TRUE(tcp_accepting(l.port));
  EXPECT_TRUE(wait_for_tcp(l.port, 1s).ok());
}

TEST(Wait, UdpSocket) {
  Bound u(SOCK_DGRAM);
  ASSERT_TRUE(u.ok);
  EXPECT_TRUE(udp_bound(u.port));
  EXPECT_TRUE(wait_for_udp(u.port, 1s).ok());
}

TEST(Wait, TimesOutAndSaysWhatItWaitedFor) {
  auto port = free_port(Proto::kTcp);
  ASSERT_TRUE(port.ok());
  auto t0 = std::chrono::steady_clock::now();
  auto st = wait_for_tcp(*port, 150ms);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 150ms);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::kTimeout);
  EXPECT_NE(st.error().message.find("no TCP listener on 127.0.0.1:" + std::to_string(*port) + " within 150 ms"),
            std::string::npos)
      << st.error().message;
  auto u = wait_for_udp(*port, 50ms);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().code, Errc::kTimeout);
}

TEST(Wait, LogLineAndAProcessThatEndsFirst) {
  const fs::path log = fs::temp_directory_path() / ("prose-testbed-wait-" + std::to_string(::getpid()) + ".log");
  SpawnOptions o{{"/bin/sh", "-c", "sleep 0.1; echo 'server: listening'; exec sleep 30"}};
  o.log = log.string();
  auto p = Process::spawn(o);
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_TRUE(wait_for_log_line(log.string(), "listening", 10s, &*p).ok());
  auto missing = wait_for_log_line(log.string(), "never printed", 100ms, &*p);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::kTimeout);
  EXPECT_NE(missing.error().message.find("sh still runs"), std::string::npos) << missing.error().message;

  SpawnOptions q{{"/bin/sh", "-c", "exit 4"}};
  auto early = Process::spawn(q);
  ASSERT_TRUE(early.ok());
  auto port = free_port(Proto::kTcp);
  ASSERT_TRUE(port.ok());
  auto st = wait_for_tcp(*port, 10s, &*early);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::kState);
  EXPECT_NE(st.error().message.find("sh ended (exit code 4) before"), std::string::npos) << st.error().message;
  fs::remove(log);
}

}  // namespace
}  // namespace prose::testbed
