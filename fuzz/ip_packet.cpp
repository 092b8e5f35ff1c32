// libFuzzer target: the IPv4/IPv6 header reader and UDP reader a relay runs on every IP SDU and every TUN packet,
// and the routing decision over them. Errors must carry an offset inside the input; an accepted IPv4 packet without
// options must re-encode to the input (up to the checksum's two encodings of zero), an accepted IPv6 one exactly.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <variant>

#include "prose/ip/address_pool.h"
#include "prose/ip/packet.h"
#include "prose/ip/router.h"
#include "prose/ip/udp.h"

namespace {

void check_error(const prose::Error& e, std::size_t size) {
  if (e.offset.has_value() && *e.offset > size) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace prose::ip;
  const prose::ByteView in(data, size);
  auto p = parse_ip(in);
  if (!p.ok()) {
    check_error(p.error(), size);
  } else if (const auto* v4 = std::get_if<Ipv4Packet>(&*p)) {
    if (v4->header.total_length != size || v4->header.header_length + v4->payload.size() != size) std::abort();
    if (v4->options.empty()) {
      auto again = encode_ipv4(v4->header, v4->payload);
      if (!again.ok() || again->size() != size) std::abort();
      for (std::size_t i = 0; i < size; ++i) {
        if (i != 10 && i != 11 && (*again)[i] != data[i]) std::abort();
      }
      if (!parse_ipv4(*again).ok()) std::abort();
    }
    if (v4->header.protocol == kProtocolUdp) {
      auto u = parse_ipv4_udp(*v4);
      if (!u.ok()) check_error(u.error(), size);
    }
  } else {
    const auto& v6 = std::get<Ipv6Packet>(*p);
    auto again = encode_ipv6(v6.header, v6.payload);
    if (!again.ok() || *again != prose::Bytes(in.begin(), in.end())) std::abort();
  }

  static Ipv4Pool pool = [] {
    auto made = Ipv4Pool::create(*Ipv4Prefix::parse("10.45.0.0/24"));
    if (!made.ok() || !made->allocate(prose::ids::Layer2Id{1}).ok()) std::abort();
    return *made;
  }();
  static Ipv6Plan plan = [] {
    auto made = Ipv6Plan::create(*Ipv6Prefix::parse("2001:db8:45::/64"));
    if (!made.ok()) std::abort();
    made->attach(prose::ids::Layer2Id{1});
    return *made;
  }();
  Router router(&pool, &plan);
  auto up = router.uplink(prose::ids::Layer2Id{1}, in);
  auto down = router.downlink(in);
  if (!p.ok() && (up.action != RouteAction::kDrop || down.action != RouteAction::kDrop)) std::abort();
  if (down.action == RouteAction::kToLink && down.link != prose::ids::Layer2Id{1}) std::abort();
  return 0;
}
