#include "prose/ip/address.h"

#include <arpa/inet.h>

#include <charconv>

namespace prose::ip {
namespace {

// inet_pton needs a NUL-terminated string; the bound keeps a hostile input from allocating much.
template <typename A>
Result<A> pton(int family, std::string_view text, std::string_view what) {
  if (text.size() > 64) return fail(Errc::kInvalidArgument, std::string(what) + ": text too long");
  std::string s(text);
  A a;
  if (inet_pton(family, s.c_str(), a.octets.data()) != 1) {
    return fail(Errc::kInvalidArgument, std::string(what) + ": cannot read '" + s + "'");
  }
  return a;
}

Result<std::uint8_t> parse_length(std::string_view text, std::uint8_t max, std::string_view what) {
  unsigned v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size() || v > max) {
    return fail(Errc::kInvalidArgument,
                std::string(what) + ": prefix length '" + std::string(text) + "' is not 0.." + std::to_string(max));
  }
  return static_cast<std::uint8_t>(v);
}

Result<std::pair<std::string_view, std::string_view>> split_prefix(std::string_view text, std::string_view what) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    return fail(Errc::kInvalidArgument, std::string(what) + ": '" + std::string(text) + "' has no /length");
  }
  return std::pair{text.substr(0, slash), text.substr(slash + 1)};
}

}  // namespace

std::uint32_t Ipv4Address::value() const {
  return (std::uint32_t{octets[0]} << 24) | (std::uint32_t{octets[1]} << 16) | (std::uint32_t{octets[2]} << 8) |
         octets[3];
}

Ipv4Address Ipv4Address::from_value(std::uint32_t v) {
  return Ipv4Address{{static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
                      static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)}};
}

Result<Ipv4Address> Ipv4Address::parse(std::string_view text) {
  return pton<Ipv4Address>(AF_INET, text, "IPv4 address");
}

std::string Ipv4Address::to_string() const {
  return std::to_string(octets[0]) + "." + std::to_string(octets[1]) + "." + std::to_string(octets[2]) + "." +
         std::to_string(octets[3]);
}

Result<Ipv6Address> Ipv6Address::parse(std::string_view text) {
  return pton<Ipv6Address>(AF_INET6, text, "IPv6 address");
}

std::string Ipv6Address::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, octets.data(), buf, sizeof buf);
  return buf;
}

bool Ipv6Address::is_unspecified() const {
  for (auto b : octets) {
    if (b != 0) return false;
  }
  return true;
}

std::uint32_t ipv4_mask(std::uint8_t length) {
  return length == 0 ? 0 : length >= 32 ? 0xFFFFFFFFu : ~((std::uint32_t{1} << (32 - length)) - 1);
}

Result<std::uint8_t> ipv4_prefix_length(Ipv4Address netmask) {
  std::uint32_t m = netmask.value();
  std::uint8_t n = 0;
  while (n < 32 && (m & (0x80000000u >> n)) != 0) ++n;
  if (ipv4_mask(n) != m) return fail(Errc::kInvalidArgument, "netmask " + netmask.to_string() + " is not contiguous");
  return n;
}

Result<Ipv4Prefix> Ipv4Prefix::make(Ipv4Address network, std::uint8_t length) {
  if (length > 32) return fail(Errc::kInvalidArgument, "IPv4 prefix length " + std::to_string(length) + " > 32");
  if ((network.value() & ~ipv4_mask(length)) != 0) {
    return fail(Errc::kInvalidArgument,
                "IPv4 prefix " + network.to_string() + "/" + std::to_string(length) + " has host bits set");
  }
  return Ipv4Prefix{network, length};
}

Result<Ipv4Prefix> Ipv4Prefix::parse(std::string_view text) {
  PROSE_TRY(auto parts, split_prefix(text, "IPv4 prefix"));
  PROSE_TRY(Ipv4Address a, Ipv4Address::parse(parts.first));
  PROSE_TRY(std::uint8_t n, parse_length(parts.second, 32, "IPv4 prefix"));
  return make(a, n);
}

std::string Ipv4Prefix::to_string() const { return network.to_string() + "/" + std::to_string(length); }
Ipv4Address Ipv4Prefix::netmask() const { return Ipv4Address::from_value(ipv4_mask(length)); }
Ipv4Address Ipv4Prefix::broadcast() const { return Ipv4Address::from_value(network.value() | ~ipv4_mask(length)); }
bool Ipv4Prefix::contains(Ipv4Address a) const { return (a.value() & ipv4_mask(length)) == network.value(); }

Result<Ipv6Prefix> Ipv6Prefix::make(Ipv6Address network, std::uint8_t length) {
  if (length > 128) return fail(Errc::kInvalidArgument, "IPv6 prefix length " + std::to_string(length) + " > 128");
  for (std::size_t bit = length; bit < 128; ++bit) {
    if ((network.octets[bit / 8] & (0x80 >> (bit % 8))) != 0) {
      return fail(Errc::kInvalidArgument,
                  "IPv6 prefix " + network.to_string() + "/" + std::to_string(length) + " has host bits set");
    }
  }
  return Ipv6Prefix{network, length};
}

Result<Ipv6Prefix> Ipv6Prefix::parse(std::string_view text) {
  PROSE_TRY(auto parts, split_prefix(text, "IPv6 prefix"));
  PROSE_TRY(Ipv6Address a, Ipv6Address::parse(parts.first));
  PROSE_TRY(std::uint8_t n, parse_length(parts.second, 128, "IPv6 prefix"));
  return make(a, n);
}

std::string Ipv6Prefix::to_string() const { return network.to_string() + "/" + std::to_string(length); }

bool Ipv6Prefix::contains(const Ipv6Address& a) const {
  for (std::size_t bit = 0; bit < length; ++bit) {
    std::uint8_t m = static_cast<std::uint8_t>(0x80 >> (bit % 8));
    if ((a.octets[bit / 8] & m) != (network.octets[bit / 8] & m)) return false;
  }
  return true;
}

}  // namespace prose::ip
