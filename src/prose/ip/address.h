// IPv4 / IPv6 addresses and prefixes as values: parsed from and printed as text ("10.45.0.0/24", "2001:db8:1::/64").
// Text forms are those of inet_pton/inet_ntop (RFC 4291 section 2.2 in, RFC 5952 out); no I/O.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "prose/util/result.h"

namespace prose::ip {

struct Ipv4Address {
  std::array<std::uint8_t, 4> octets{};
  auto operator<=>(const Ipv4Address&) const = default;

  std::uint32_t value() const;  // host order
  static Ipv4Address from_value(std::uint32_t v);
  static Result<Ipv4Address> parse(std::string_view text);  // dotted quad, nothing else
  std::string to_string() const;
  bool is_unspecified() const { return value() == 0; }
  bool is_limited_broadcast() const { return value() == 0xFFFFFFFFu; }
  bool is_multicast() const { return (octets[0] & 0xF0) == 0xE0; }  // 224.0.0.0/4
};

struct Ipv6Address {
  std::array<std::uint8_t, 16> octets{};
  auto operator<=>(const Ipv6Address&) const = default;

  static Result<Ipv6Address> parse(std::string_view text);
  std::string to_string() const;
  bool is_unspecified() const;
  bool is_link_local() const { return octets[0] == 0xFE && (octets[1] & 0xC0) == 0x80; }  // fe80::/10
  bool is_multicast() const { return octets[0] == 0xFF; }                                 // ff00::/8
};

// A network: the address with every host bit zero (parse refuses "10.45.0.1/24") and a length of 0..32.
struct Ipv4Prefix {
  Ipv4Address network;
  std::uint8_t length = 0;
  auto operator<=>(const Ipv4Prefix&) const = default;

  static Result<Ipv4Prefix> make(Ipv4Address network, std::uint8_t length);
  static Result<Ipv4Prefix> parse(std::string_view text);  // "a.b.c.d/n"
  std::string to_string() const;
  Ipv4Address netmask() const;
  Ipv4Address broadcast() const;
  bool contains(Ipv4Address a) const;
};

struct Ipv6Prefix {
  Ipv6Address network;
  std::uint8_t length = 0;
  auto operator<=>(const Ipv6Prefix&) const = default;

  static Result<Ipv6Prefix> make(Ipv6Address network, std::uint8_t length);
  static Result<Ipv6Prefix> parse(std::string_view text);  // "x:x::/n"
  std::string to_string() const;
  bool contains(const Ipv6Address& a) const;
};

// The netmask of a prefix length (0..32), and back (fails for a non-contiguous mask).
std::uint32_t ipv4_mask(std::uint8_t length);
Result<std::uint8_t> ipv4_prefix_length(Ipv4Address netmask);

}  // namespace prose::ip
