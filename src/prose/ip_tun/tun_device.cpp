#include "prose/ip_tun/tun_device.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

namespace prose::ip_tun {
namespace {

Error io_error(std::string_view what) { return make_error(Errc::kIo, std::string(what) + ": " + std::strerror(errno)); }

ifreq make_ifreq(const std::string& name) {
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  return ifr;
}

// struct in6_ifreq of <linux/ipv6.h> (not in the C library's headers; including both clashes on in6_addr).
struct In6Ifreq {
  in6_addr addr;
  std::uint32_t prefixlen;
  int ifindex;
};

void set_sockaddr(sockaddr* sa, ip::Ipv4Address a) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  std::memcpy(&sin.sin_addr, a.octets.data(), 4);
  std::memcpy(sa, &sin, sizeof sin);
}

// Appends one route attribute (rtnetlink(7): struct rtattr, then the value, padded to RTA_ALIGNTO).
void put_rtattr(std::vector<std::uint8_t>& msg, std::uint16_t type, const void* value, std::size_t size) {
  rtattr a{};
  a.rta_len = static_cast<std::uint16_t>(RTA_LENGTH(size));
  a.rta_type = type;
  const auto* ap = reinterpret_cast<const std::uint8_t*>(&a);
  msg.insert(msg.end(), ap, ap + sizeof a);
  const auto* vp = static_cast<const std::uint8_t*>(value);
  msg.insert(msg.end(), vp, vp + size);
  msg.resize(msg.size() + (RTA_SPACE(size) - RTA_LENGTH(size)));
}

// Sends one rtnetlink request with NLM_F_ACK and returns the kernel's answer: 0 or a negative errno.
Result<int> rtnetlink_request(std::vector<std::uint8_t>& msg) {
  auto* h = reinterpret_cast<nlmsghdr*>(msg.data());
  h->nlmsg_len = static_cast<std::uint32_t>(msg.size());
  h->nlmsg_seq = 1;
  int s = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (s < 0) return fail(io_error("rtnetlink socket"));
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(s, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
    Error e = io_error("rtnetlink send");
    ::close(s);
    return fail(std::move(e));
  }
  alignas(nlmsghdr) std::uint8_t buf[8192];
  for (;;) {
    ssize_t n = ::recv(s, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error e = io_error("rtnetlink receive");
      ::close(s);
      return fail(std::move(e));
    }
    int len = static_cast<int>(n);
    // NLMSG_OK compares the header's unsigned length with the int `len` (netlink(3)'s own usage).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
    for (auto* r = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(r, len); r = NLMSG_NEXT(r, len)) {
#pragma GCC diagnostic pop
      if (r->nlmsg_type != NLMSG_ERROR || r->nlmsg_seq != 1) continue;
      if (r->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) {
        ::close(s);
        return fail(Errc::kIo, "rtnetlink: short acknowledgement");
      }
      int error = static_cast<const nlmsgerr*>(NLMSG_DATA(r))->error;
      ::close(s);
      return error;
    }
  }
}

}  // namespace

Result<TunDevice> TunDevice::open(std::string_view name) {
  if (name.size() >= IFNAMSIZ) return fail(Errc::kInvalidArgument, "TUN name '" + std::string(name) + "' too long");
  int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return fail(io_error("open /dev/net/tun"));
  ifreq ifr = make_ifreq(std::string(name));
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  if (::ioctl(fd, TUNSETIFF, &ifr) < 0) {
    Error e = io_error("TUNSETIFF");
    ::close(fd);
    return fail(std::move(e));
  }
  return TunDevice(fd, std::string(ifr.ifr_name, strnlen(ifr.ifr_name, IFNAMSIZ)));
}

TunDevice::TunDevice(TunDevice&& other) noexcept : fd_(std::exchange(other.fd_, -1)), name_(std::move(other.name_)) {}

TunDevice& TunDevice::operator=(TunDevice&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    name_ = std::move(other.name_);
  }
  return *this;
}

TunDevice::~TunDevice() {
  if (fd_ >= 0) ::close(fd_);
}

Status TunDevice::ioctl_on_socket(unsigned long request, void* ifr, std::string_view what, int family) const {
  int s = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return fail(io_error("socket for " + std::string(what)));
  int rc = ::ioctl(s, request, ifr);
  Error e = rc < 0 ? io_error(std::string(what) + " on " + name_) : Error{};
  ::close(s);
  if (rc < 0) return fail(std::move(e));
  return ok_status();
}

Status TunDevice::set_mtu(int mtu) {
  ifreq ifr = make_ifreq(name_);
  ifr.ifr_mtu = mtu;
  return ioctl_on_socket(SIOCSIFMTU, &ifr, "SIOCSIFMTU", AF_INET);
}

Status TunDevice::set_ipv4(ip::Ipv4Address address, std::uint8_t prefix_length) {
  if (prefix_length > 32) return fail(Errc::kInvalidArgument, "IPv4 prefix length > 32");
  ifreq ifr = make_ifreq(name_);
  set_sockaddr(&ifr.ifr_addr, address);
  PROSE_TRY_STATUS(ioctl_on_socket(SIOCSIFADDR, &ifr, "SIOCSIFADDR", AF_INET));
  ifreq mask = make_ifreq(name_);
  set_sockaddr(&mask.ifr_netmask, ip::Ipv4Address::from_value(ip::ipv4_mask(prefix_length)));
  return ioctl_on_socket(SIOCSIFNETMASK, &mask, "SIOCSIFNETMASK", AF_INET);
}

Status TunDevice::set_ipv6(const ip::Ipv6Address& address, std::uint8_t prefix_length) {
  if (prefix_length > 128) return fail(Errc::kInvalidArgument, "IPv6 prefix length > 128");
  ifreq ifr = make_ifreq(name_);
  PROSE_TRY_STATUS(ioctl_on_socket(SIOCGIFINDEX, &ifr, "SIOCGIFINDEX", AF_INET));
  In6Ifreq req{};
  std::memcpy(&req.addr, address.octets.data(), 16);
  req.prefixlen = prefix_length;
  req.ifindex = ifr.ifr_ifindex;
  return ioctl_on_socket(SIOCSIFADDR, &req, "SIOCSIFADDR (IPv6)", AF_INET6);
}

Status TunDevice::set_up() {
  ifreq ifr = make_ifreq(name_);
  PROSE_TRY_STATUS(ioctl_on_socket(SIOCGIFFLAGS, &ifr, "SIOCGIFFLAGS", AF_INET));
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
  return ioctl_on_socket(SIOCSIFFLAGS, &ifr, "SIOCSIFFLAGS", AF_INET);
}

Result<bool> TunDevice::add_default_route(int family, ByteView gateway, unsigned char protocol, bool replace,
                                          const std::string& what) {
  ifreq ifr = make_ifreq(name_);
  PROSE_TRY_STATUS(ioctl_on_socket(SIOCGIFINDEX, &ifr, "SIOCGIFINDEX", AF_INET));
  std::vector<std::uint8_t> msg(NLMSG_SPACE(sizeof(rtmsg)));
  auto* h = reinterpret_cast<nlmsghdr*>(msg.data());
  h->nlmsg_type = RTM_NEWROUTE;
  h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL);
  auto* rt = static_cast<rtmsg*>(NLMSG_DATA(h));
  rt->rtm_family = static_cast<unsigned char>(family);
  rt->rtm_dst_len = 0;  // 0.0.0.0/0 or ::/0
  rt->rtm_table = RT_TABLE_MAIN;
  rt->rtm_protocol = protocol;
  rt->rtm_scope = RT_SCOPE_UNIVERSE;
  rt->rtm_type = RTN_UNICAST;
  if (!gateway.empty()) put_rtattr(msg, RTA_GATEWAY, gateway.data(), gateway.size());
  const std::int32_t oif = ifr.ifr_ifindex;
  put_rtattr(msg, RTA_OIF, &oif, sizeof oif);
  PROSE_TRY(int error, rtnetlink_request(msg));
  if (error == -EEXIST && !replace) return false;
  if (error != 0) return fail(Errc::kIo, "RTM_NEWROUTE " + what + ": " + std::strerror(-error));
  return true;
}

Result<bool> TunDevice::add_ipv4_default_route(ip::Ipv4Address gateway, bool replace) {
  return add_default_route(AF_INET, ByteView(gateway.octets.data(), gateway.octets.size()), RTPROT_DHCP, replace,
                           "default via " + gateway.to_string() + " dev " + name_);
}

Result<bool> TunDevice::add_ipv6_default_route(bool replace) {
  return add_default_route(AF_INET6, ByteView(), RTPROT_RA, replace, "IPv6 default dev " + name_);
}

Result<std::optional<Bytes>> TunDevice::read() {
  Bytes buf(kMaxPacket);
  for (;;) {
    ssize_t n = ::read(fd_, buf.data(), buf.size());
    if (n >= 0) {
      buf.resize(static_cast<std::size_t>(n));
      return std::optional<Bytes>{std::move(buf)};
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return std::optional<Bytes>{};
    return fail(io_error("read " + name_));
  }
}

Result<bool> TunDevice::write(ByteView packet) {
  for (;;) {
    ssize_t n = ::write(fd_, packet.data(), packet.size());
    if (n >= 0) {
      if (static_cast<std::size_t>(n) != packet.size()) return fail(Errc::kIo, "short write to " + name_);
      return true;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
    return fail(io_error("write " + name_));
  }
}

}  // namespace prose::ip_tun
