// The TUN device against the real kernel: each test forks a child that enters a fresh network namespace
// (unshare(CLONE_NEWNET), so the host's interfaces are untouched), makes and configures a TUN device there, writes
// an ICMP echo request addressed to the device's own address into it and reads the kernel's echo reply back out.
// That proves the device, its address and its up state are real. The default route is read back from the
// namespace's /proc/net/route. Runs only as root.
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
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "prose/ip/checksum.h"
#include "prose/ip/packet.h"

namespace prose::ip_tun {
namespace {

constexpr int kSkipped = 2;  // child exit code: the namespace could not be made here

Bytes echo_body(std::uint8_t type) {
  Bytes icmp = {type, 0, 0, 0, 0x12, 0x34, 0x00, 0x01};  // type, code, checksum, id 0x1234, sequence 1
  for (char c : std::string("prose ip_tun test")) icmp.push_back(static_cast<std::uint8_t>(c));
  return icmp;
}

void put_checksum(Bytes& icmp, std::uint32_t pseudo_header_sum) {
  std::uint16_t c = checksum_finish(checksum_add(pseudo_header_sum, icmp));
  icmp[2] = static_cast<std::uint8_t>(c >> 8);
  icmp[3] = static_cast<std::uint8_t>(c);
}

int device_mtu(const std::string& name) {
  int s = ::socket(AF_INET, SOCK_DGRAM, 0);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  int rc = ::ioctl(s, SIOCGIFMTU, &ifr);
  ::close(s);
  return rc < 0 ? -1 : ifr.ifr_mtu;
}

// Writes `request` into the device, again every 250 ms (an IPv6 address stays tentative, and drops what is sent to
// it, until the kernel has seen the new device's carrier), and waits up to 5 s for a packet `check_reply` accepts
// (returns ""). "" when one came.
std::string exchange(TunDevice& tun, const Bytes& request, const std::function<std::string(ByteView)>& check_reply) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::string seen;
  int sent = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    auto w = tun.write(request);
    if (!w.ok()) return "write: " + w.error().to_string();
    if (*w) ++sent;
    pollfd p{tun.fd(), POLLIN, 0};
    if (::poll(&p, 1, 250) < 0 && errno != EINTR) return std::string("poll: ") + std::strerror(errno);
    for (;;) {
      auto r = tun.read();
      if (!r.ok()) return "read: " + r.error().to_string();
      if (!r->has_value()) break;
      std::string verdict = check_reply(**r);
      if (verdict.empty()) return "";
      seen += " [" + verdict + "]";
    }
  }
  return "no echo reply within 5 s to " + std::to_string(sent) + " requests; read:" + seen;
}

std::string ping_ipv4() {
  auto tun = TunDevice::open("prose%d");
  if (!tun.ok()) return "open: " + tun.error().to_string();
  if (auto s = tun->set_mtu(1400); !s.ok()) return s.error().to_string();
  if (auto s = tun->set_ipv4(*ip::Ipv4Address::parse("10.99.0.1"), 24); !s.ok()) return s.error().to_string();
  if (auto s = tun->set_up(); !s.ok()) return s.error().to_string();
  if (device_mtu(tun->name()) != 1400) return "MTU is " + std::to_string(device_mtu(tun->name())) + ", not 1400";
  Bytes icmp = echo_body(8);  // RFC 792 echo request
  put_checksum(icmp, 0);
  ip::Ipv4Header h;
  h.protocol = ip::kProtocolIcmp;
  h.source = *ip::Ipv4Address::parse("10.99.0.2");
  h.destination = *ip::Ipv4Address::parse("10.99.0.1");
  return exchange(*tun, *encode_ipv4(h, icmp), [&](ByteView got) -> std::string {
    auto pkt = ip::parse_ipv4(got);
    if (!pkt.ok()) return "not IPv4: " + pkt.error().to_string();
    const auto& g = pkt->header;
    if (g.protocol != ip::kProtocolIcmp || g.source != h.destination || g.destination != h.source) {
      return g.source.to_string() + "->" + g.destination.to_string() + " protocol " + std::to_string(g.protocol);
    }
    ByteView r = pkt->payload;
    if (r.size() != icmp.size() || r[0] != 0 || r[1] != 0) return "ICMP, but no echo reply of the right size";
    if (internet_checksum(r) != 0) return "echo reply with a wrong ICMP checksum";
    if (!std::equal(r.begin() + 4, r.end(), icmp.begin() + 4)) return "echo reply with other id/sequence/data";
    return "";
  });
}

std::string ping_ipv6() {
  auto tun = TunDevice::open("prose%d");
  if (!tun.ok()) return "open: " + tun.error().to_string();
  if (auto s = tun->set_mtu(1400); !s.ok()) return s.error().to_string();
  if (auto s = tun->set_up(); !s.ok()) return s.error().to_string();
  if (auto s = tun->set_ipv6(*ip::Ipv6Address::parse("2001:db8:99::1"), 64); !s.ok()) return s.error().to_string();
  ip::Ipv6Header h;
  h.next_header = ip::kProtocolIcmpv6;
  h.source = *ip::Ipv6Address::parse("2001:db8:99::2");
  h.destination = *ip::Ipv6Address::parse("2001:db8:99::1");
  Bytes icmp = echo_body(128);  // RFC 4443 4.1 echo request
  put_checksum(icmp, ip::ipv6_pseudo_header_sum(h.source, h.destination, ip::kProtocolIcmpv6,
                                                static_cast<std::uint32_t>(icmp.size())));
  return exchange(*tun, *encode_ipv6(h, icmp), [&](ByteView got) -> std::string {
    auto pkt = ip::parse_ipv6(got);
    if (!pkt.ok()) return "not IPv6: " + pkt.error().to_string();
    const auto& g = pkt->header;
    if (g.next_header != ip::kProtocolIcmpv6 || g.source != h.destination || g.destination != h.source) {
      return g.source.to_string() + "->" + g.destination.to_string() + " next header " + std::to_string(g.next_header);
    }
    ByteView r = pkt->payload;
    if (r.size() != icmp.size() || r[0] != 129 || r[1] != 0) return "ICMPv6, but no echo reply of the right size";
    std::uint32_t ph =
        ip::ipv6_pseudo_header_sum(g.source, g.destination, ip::kProtocolIcmpv6, static_cast<std::uint32_t>(r.size()));
    if (checksum_finish(checksum_add(ph, r)) != 0) return "echo reply with a wrong ICMPv6 checksum";
    if (!std::equal(r.begin() + 4, r.end(), icmp.begin() + 4)) return "echo reply with other id/sequence/data";
    return "";
  });
}

// The default routes of this thread's namespace (/proc/net/route: device, destination, gateway in hex of the octets
// in memory order, flags ...) as "dev via a.b.c.d" lines.
std::string default_routes() {
  std::ifstream f("/proc/net/route");
  std::string line, out;
  std::getline(f, line);  // the heading
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string dev, dst, gw;
    in >> dev >> dst >> gw;
    if (dst != "00000000") continue;
    std::uint32_t g = static_cast<std::uint32_t>(std::stoul(gw, nullptr, 16));
    ip::Ipv4Address a;
    std::memcpy(a.octets.data(), &g, 4);
    out += dev + " via " + a.to_string() + ";";
  }
  return out;
}

std::string default_route() {
  auto a = TunDevice::open("prose%d");
  auto b = TunDevice::open("prose%d");
  if (!a.ok() || !b.ok()) return "open failed";
  for (auto* t : {&*a, &*b}) {
    if (auto s = t->set_up(); !s.ok()) return s.error().to_string();
  }
  if (auto s = a->set_ipv4(*ip::Ipv4Address::parse("10.99.0.2"), 24); !s.ok()) return s.error().to_string();
  if (auto s = b->set_ipv4(*ip::Ipv4Address::parse("10.98.0.2"), 24); !s.ok()) return s.error().to_string();
  if (!default_routes().empty()) return "a fresh namespace with a default route: " + default_routes();
  auto r = a->add_ipv4_default_route(*ip::Ipv4Address::parse("10.99.0.1"), false);
  if (!r.ok() || !*r) return "first default route not added: " + (r.ok() ? "false" : r.error().to_string());
  const std::string want_a = a->name() + " via 10.99.0.1;";
  if (default_routes() != want_a) return "after the first: " + default_routes();
  // Another device, without replace: the existing route stays.
  r = b->add_ipv4_default_route(*ip::Ipv4Address::parse("10.98.0.1"), false);
  if (!r.ok() || *r) return "second route without replace: " + (r.ok() ? "true" : r.error().to_string());
  if (default_routes() != want_a) return "without replace the route changed: " + default_routes();
  // The same again (a renewed lease): also kept, false.
  r = a->add_ipv4_default_route(*ip::Ipv4Address::parse("10.99.0.1"), false);
  if (!r.ok() || *r) return "the same route again: " + (r.ok() ? "true" : r.error().to_string());
  // With replace: the one route is now through b.
  r = b->add_ipv4_default_route(*ip::Ipv4Address::parse("10.98.0.1"), true);
  if (!r.ok() || !*r) return "with replace: " + (r.ok() ? "false" : r.error().to_string());
  if (default_routes() != b->name() + " via 10.98.0.1;") return "after replace: " + default_routes();
  // A gateway that is not on the device's network is refused by the kernel (ENETUNREACH), with the route named.
  r = a->add_ipv4_default_route(*ip::Ipv4Address::parse("192.0.2.1"), true);
  if (r.ok()) return "an off-link gateway was accepted";
  if (r.error().message.find("default via 192.0.2.1 dev " + a->name()) == std::string::npos)
    return "the error does not name the route: " + r.error().message;
  return "";
}

// The IPv6 default routes of this thread's namespace (/proc/net/ipv6_route: destination, its length, source, its
// length, next hop, metric, refcount, use, flags, device) as "dev metric M;" entries, the loopback's left out.
std::string ipv6_default_routes() {
  std::ifstream f("/proc/net/ipv6_route");
  std::string line, out;
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string dst, dst_len, src, src_len, next_hop, metric, refs, use, flags, dev;
    in >> dst >> dst_len >> src >> src_len >> next_hop >> metric >> refs >> use >> flags >> dev;
    if (dst != std::string(32, '0') || dst_len != "00" || dev == "lo") continue;
    out += dev + " metric " + std::to_string(std::stoul(metric, nullptr, 16)) + ";";
  }
  return out;
}

std::string ipv6_default_route() {
  auto a = TunDevice::open("prose%d");
  auto b = TunDevice::open("prose%d");
  if (!a.ok() || !b.ok()) return "open failed";
  for (auto* t : {&*a, &*b}) {
    if (auto s = t->set_up(); !s.ok()) return s.error().to_string();
  }
  if (!ipv6_default_routes().empty()) return "a fresh namespace with an IPv6 default route: " + ipv6_default_routes();
  auto r = a->add_ipv6_default_route(false);
  if (!r.ok() || !*r) return "first IPv6 default route not added: " + (r.ok() ? "false" : r.error().to_string());
  const std::string want_a = a->name() + " metric 1024;";
  if (ipv6_default_routes() != want_a) return "after the first: " + ipv6_default_routes();
  // Another device, without replace: the existing route stays; the same device again (a second RA) also.
  r = b->add_ipv6_default_route(false);
  if (!r.ok() || *r) return "second route without replace: " + (r.ok() ? "true" : r.error().to_string());
  r = a->add_ipv6_default_route(false);
  if (!r.ok() || *r) return "the same route again: " + (r.ok() ? "true" : r.error().to_string());
  if (ipv6_default_routes() != want_a) return "without replace the route changed: " + ipv6_default_routes();
  // With replace: the one route is now through b.
  r = b->add_ipv6_default_route(true);
  if (!r.ok() || !*r) return "with replace: " + (r.ok() ? "false" : r.error().to_string());
  if (ipv6_default_routes() != b->name() + " metric 1024;") return "after replace: " + ipv6_default_routes();
  return "";
}

struct ChildResult {
  int code = -1;
  std::string message;
};

// Runs `body` in a forked child inside a new network namespace; the child reports through a pipe and its exit code.
ChildResult in_new_netns(std::string (*body)()) {
  int fds[2];
  if (::pipe(fds) != 0) return {-1, "pipe failed"};
  pid_t pid = ::fork();
  if (pid < 0) return {-1, "fork failed"};
  if (pid == 0) {
    ::close(fds[0]);
    std::string err;
    int code = 0;
    if (::unshare(CLONE_NEWNET) != 0) {
      err = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
      code = kSkipped;
    } else {
      err = body();
      code = err.empty() ? 0 : 1;
    }
    (void)!::write(fds[1], err.data(), err.size());
    ::_exit(code);
  }
  ::close(fds[1]);
  ChildResult result;
  char buf[512];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) result.message.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return {-1, "child died: " + std::to_string(status)};
  result.code = WEXITSTATUS(status);
  return result;
}

bool can_run(std::string& why) {
  if (::geteuid() != 0) {
    why = "needs root: a network namespace and a TUN device";
    return false;
  }
  if (::access("/dev/net/tun", R_OK | W_OK) != 0) {
    why = "no /dev/net/tun";
    return false;
  }
  return true;
}

TEST(TunDevice, KernelAnswersAnIpv4EchoRequestWrittenIntoTheDevice) {
  std::string why;
  if (!can_run(why)) GTEST_SKIP() << why;
  ChildResult r = in_new_netns(&ping_ipv4);
  if (r.code == kSkipped) GTEST_SKIP() << r.message;
  EXPECT_EQ(r.code, 0) << r.message;
}

TEST(TunDevice, KernelAnswersAnIpv6EchoRequestWrittenIntoTheDevice) {
  std::string why;
  if (!can_run(why)) GTEST_SKIP() << why;
  if (::access("/proc/net/if_inet6", R_OK) != 0) GTEST_SKIP() << "no IPv6 in this kernel";
  ChildResult r = in_new_netns(&ping_ipv6);
  if (r.code == kSkipped) GTEST_SKIP() << r.message;
  EXPECT_EQ(r.code, 0) << r.message;
}

TEST(TunDevice, DefaultRouteIsAddedKeptOrReplaced) {
  std::string why;
  if (!can_run(why)) GTEST_SKIP() << why;
  ChildResult r = in_new_netns(&default_route);
  if (r.code == kSkipped) GTEST_SKIP() << r.message;
  EXPECT_EQ(r.code, 0) << r.message;
}

TEST(TunDevice, Ipv6DefaultRouteIsAddedKeptOrReplaced) {
  std::string why;
  if (!can_run(why)) GTEST_SKIP() << why;
  ChildResult r = in_new_netns(&ipv6_default_route);
  if (r.code == kSkipped) GTEST_SKIP() << r.message;
  EXPECT_EQ(r.code, 0) << r.message;
}

TEST(TunDevice, RefusesATooLongName) {
  auto t = TunDevice::open("a-name-longer-than-ifnamsiz");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, Errc::kInvalidArgument);
}

}  // namespace
}  // namespace prose::ip_tun
