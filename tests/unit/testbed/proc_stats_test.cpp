#include "prose/testbed/proc_stats.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>
#include <vector>

#include "prose/testbed/process.h"

namespace prose::testbed {
namespace {

TEST(ProcStats, OfThisProcess) {
  std::vector<char> block(32 << 20, 1);  // 32 MiB touched: the RSS is at least that
  ProcStats s = proc_stats(::getpid());
  EXPECT_GE(s.rss_kib, 32 * 1024);
  EXPECT_GE(s.peak_rss_kib, s.rss_kib);
  EXPECT_GE(s.cpu_s, 0.0);
  int before = s.open_fds;
  EXPECT_GE(before, 3);
  const int sockets = open_sockets(::getpid());
  EXPECT_GE(sockets, 0);
  int fd = ::open("/dev/null", O_RDONLY);
  EXPECT_EQ(open_fds(::getpid()), before + 1);
  EXPECT_EQ(open_sockets(::getpid()), sockets);
  int sock = ::socket(AF_INET, SOCK_DGRAM, 0);
  EXPECT_EQ(open_sockets(::getpid()), sockets + 1);
  ::close(sock);
  ::close(fd);
  EXPECT_EQ(block[12345], 1);
}

TEST(ProcStats, OfAProcessThatIsGone) {
  auto p = Process::spawn(SpawnOptions{{"/bin/true"}});
  ASSERT_TRUE(p.ok());
  pid_t pid = p->pid();
  ASSERT_TRUE(p->wait(std::chrono::seconds(10)).has_value());
  ProcStats s = proc_stats(pid);
  EXPECT_EQ(s.rss_kib, -1);
  EXPECT_EQ(s.peak_rss_kib, -1);
  EXPECT_EQ(s.cpu_s, -1);
  EXPECT_EQ(s.open_fds, -1);
  EXPECT_EQ(open_sockets(pid), -1);
}

TEST(ProcStats, LoadAverage) {
  std::istringstream in(loadavg());
  double a = -1, b = -1, c = -1;
  in >> a >> b >> c;
  EXPECT_GE(a, 0.0);
  EXPECT_GE(b, 0.0);
  EXPECT_GE(c, 0.0);
}

}  // namespace
}  // namespace prose::testbed
