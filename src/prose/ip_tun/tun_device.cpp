#include "prose/ip_tun/tun_device.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

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
