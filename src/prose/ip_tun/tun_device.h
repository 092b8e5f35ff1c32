// A Linux TUN device (Documentation/networking/tuntap.rst): layer-3 packets, no packet-information prefix
// (IFF_TUN | IFF_NO_PI), non-blocking. Each read() is one IP packet the kernel routed into the device; each write()
// one IP packet the kernel receives as if from the wire. Configuration by ioctl on an AF_INET datagram socket
// (SIOCSIFMTU, SIOCSIFADDR, SIOCSIFNETMASK, SIOCSIFFLAGS; SIOCSIFADDR with struct in6_ifreq on an AF_INET6 socket
// for IPv6), the default route by rtnetlink (RTM_NEWROUTE, rtnetlink(7)): needs CAP_NET_ADMIN. A TUN device is
// IFF_NOARP, so the kernel does no IPv6 duplicate address detection, but a new IPv6 address stays tentative (packets to
// it are dropped) until the kernel has processed the device's carrier event, usually within milliseconds of set_up().
// The descriptor is closed with the object (the kernel then deletes the non-persistent device).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "prose/ip/address.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose::ip_tun {

class TunDevice {
 public:
  // Opens /dev/net/tun and creates the device; `name` empty lets the kernel choose (tun0, tun1, ...), a name may
  // contain one %d. kIo with errno's text on failure.
  static Result<TunDevice> open(std::string_view name = "");

  TunDevice(TunDevice&& other) noexcept;
  TunDevice& operator=(TunDevice&& other) noexcept;
  TunDevice(const TunDevice&) = delete;
  TunDevice& operator=(const TunDevice&) = delete;
  ~TunDevice();

  const std::string& name() const { return name_; }
  int fd() const { return fd_; }  // for poll/epoll/Asio

  Status set_mtu(int mtu);
  Status set_ipv4(ip::Ipv4Address address, std::uint8_t prefix_length);
  Status set_ipv6(const ip::Ipv6Address& address, std::uint8_t prefix_length);
  Status set_up();
  // The IPv4 default route of the namespace's main table through this device via `gateway` (on-link: the device
  // must be up and have an address in gateway's network), metric 0, protocol "dhcp" (RTPROT_DHCP). When the table
  // already has a default route of metric 0: kept and false returned without `replace`; replaced (true) with it.
  // true: the route through this device is in place.
  Result<bool> add_ipv4_default_route(ip::Ipv4Address gateway, bool replace);
  // The IPv6 default route (::/0) of the namespace's main table through this device, without a gateway (a TUN device
  // is point-to-point: what it is given reaches the relay), the kernel's IPv6 metric (1024), protocol "ra"
  // (RTPROT_RA). Kept or replaced as add_ipv4_default_route says.
  Result<bool> add_ipv6_default_route(bool replace);

  // One packet, or nullopt when none is waiting (EAGAIN).
  Result<std::optional<Bytes>> read();
  // false when the device queue is full (EAGAIN); the packet was not written.
  Result<bool> write(ByteView packet);

  // The largest packet read() accepts.
  static constexpr std::size_t kMaxPacket = 65535;

 private:
  TunDevice(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  Status ioctl_on_socket(unsigned long request, void* ifr, std::string_view what, int family) const;
  Result<bool> add_default_route(int family, ByteView gateway, unsigned char protocol, bool replace,
                                 const std::string& what);
  int fd_ = -1;
  std::string name_;
};

}  // namespace prose::ip_tun
