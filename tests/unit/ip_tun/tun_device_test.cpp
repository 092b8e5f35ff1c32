#include "prose/ip_tun/tun_device.h"

#include <gtest/gtest.h>
#include <linux/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

#include "prose/ip/checksum.h"
#include "prose/ip/packet.h"

namespace prose::ip_tun {
namespace {

constexpr int kSkipped = 2;  // child exit code: the namespace could not be made here

// An ICMP echo request (RFC 792) 10.99.0.2 -> 10.99.0.1, id 0x1234, sequence 1, a recognisable payload.
Bytes echo_request() {
  Bytes icmp = {8, 0, 0, 0, 0x12, 0x34, 0x00, 0x01};
  for (char c : std::string("prose ip_tun test")) icmp.push_back(static_cast<std::uint8_t>(c));
  std::uint16_t c = ip::internet_checksum(icmp);
  icmp[2] = static_cast<std::uint8_t>(c >> 8);
  icmp[3] = static_cast<std::uint8_t>(c);
  ip::Ipv4Header h;
  h.protocol = ip::kProtocolIcmp;
  h.source = *ip::Ipv4Address::parse("10.99.0.2");
  h.destination = *ip::Ipv4Address::parse("10.99.0.1");
  return *encode_ipv4(h, icmp);
}

int device_mtu(const std::string& name) {
  int s = ::socket(AF_INET, SOCK_DGRAM, 0);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  int rc = ::ioctl(s, SIOCGIFMTU, &ifr);
  ::close(s);
  return rc < 0 ? -1 : ifr.ifr_mtu;
}

// Runs in the forked child, inside its own network namespace. Empty on success, else what went wrong.
std::string ping_through_tun() {
  auto tun = TunDevice::open("prose%d");
  if (!tun.ok()) return "open: " + tun.error().to_string();
  if (auto s = tun->set_mtu(1400); !s.ok()) return s.error().to_string();
  if (auto s = tun->set_ipv4(*ip::Ipv4Address::parse("10.99.0.1"), 24); !s.ok()) return s.error().to_string();
  if (auto s = tun->set_up(); !s.ok()) return s.error().to_string();
  if (device_mtu(tun->name()) != 1400) return "MTU is " + std::to_string(device_mtu(tun->name())) + ", not 1400";
  const Bytes request = echo_request();
  auto w = tun->write(request);
  if (!w.ok()) return "write: " + w.error().to_string();
  if (!*w) return "write: device queue full";
  const ByteView request_payload = ByteView(request).subspan(20);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::string seen;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{tun->fd(), POLLIN, 0};
    if (::poll(&p, 1, 200) < 0 && errno != EINTR) return std::string("poll: ") + std::strerror(errno);
    for (;;) {
      auto r = tun->read();
      if (!r.ok()) return "read: " + r.error().to_string();
      if (!r->has_value()) break;
      auto pkt = ip::parse_ipv4(**r);
      if (!pkt.ok()) {
        seen += " (non-IPv4 " + std::to_string((*r)->size()) + " octets)";
        continue;  // IPv6 router solicitations and the like
      }
      const auto& h = pkt->header;
      seen += " " + h.source.to_string() + "->" + h.destination.to_string() + "/" + std::to_string(h.protocol);
      if (h.protocol != ip::kProtocolIcmp || h.source.to_string() != "10.99.0.1" ||
          h.destination.to_string() != "10.99.0.2") {
        continue;
      }
      ByteView icmp = pkt->payload;
      if (icmp.size() != request_payload.size()) return "echo reply of " + std::to_string(icmp.size()) + " octets";
      if (icmp[0] != 0 || icmp[1] != 0) return "ICMP type " + std::to_string(icmp[0]) + ", not an echo reply";
      if (ip::internet_checksum(icmp) != 0) return "echo reply ICMP checksum wrong";
      if (!std::equal(icmp.begin() + 4, icmp.end(), request_payload.begin() + 4)) {
        return "echo reply does not carry the request's id, sequence and data";
      }
      return "";
    }
  }
  return "no echo reply within 5 s; read:" + seen;
}

TEST(TunDevice, KernelAnswersAnEchoRequestWrittenIntoTheDevice) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: a network namespace and a TUN device";
  if (::access("/dev/net/tun", R_OK | W_OK) != 0) GTEST_SKIP() << "no /dev/net/tun";
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    std::string err;
    int code = 0;
    if (::unshare(CLONE_NEWNET) != 0) {
      err = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
      code = kSkipped;
    } else {
      err = ping_through_tun();
      code = err.empty() ? 0 : 1;
    }
    (void)!::write(fds[1], err.data(), err.size());
    ::_exit(code);
  }
  ::close(fds[1]);
  std::string message;
  char buf[512];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) message.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "child died: " << status;
  if (WEXITSTATUS(status) == kSkipped) GTEST_SKIP() << message;
  EXPECT_EQ(WEXITSTATUS(status), 0) << message;
}

TEST(TunDevice, RefusesATooLongName) {
  auto t = TunDevice::open("a-name-longer-than-ifnamsiz");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, Errc::kInvalidArgument);
}

}  // namespace
}  // namespace prose::ip_tun
