// libFuzzer target: the IPv6 router discovery reader (prose/ip/ndp.h) a Remote UE runs on IP SDUs from its link (the
// relay's Router Advertisements) and the relay on its links' Router Solicitations. Errors must carry an offset
// inside the input; an accepted RA must re-encode to a packet that parses to the same values, and the address formed
// from an advertised /64 must be inside it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "prose/ip/ndp.h"
#include "prose/ip/packet.h"

namespace {

void check_error(const prose::Error& e, std::size_t size) {
  if (e.offset.has_value() && *e.offset > size) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace prose::ip;
  const prose::ByteView in(data, size);
  (void)ndp::icmpv6_type(in);
  auto rs = ndp::parse_router_solicitation(in);
  if (!rs.ok()) check_error(rs.error(), size);
  auto ra = ndp::parse_router_advertisement(in);
  if (!ra.ok()) {
    check_error(ra.error(), size);
    return 0;
  }
  if (rs.ok()) std::abort();  // one packet is not both
  auto v6 = parse_ipv6(in);
  if (!v6.ok()) std::abort();
  auto again = ndp::encode_router_advertisement(v6->header.source, v6->header.destination, *ra);
  if (!again.ok()) std::abort();
  auto reparsed = ndp::parse_router_advertisement(*again);
  if (!reparsed.ok() || !(*reparsed == *ra)) std::abort();
  if (ra->prefix && ra->prefix->prefix.length == 64) {
    auto a = ndp::slaac_address(ra->prefix->prefix, 0x00ee31);
    if (!a.ok() || !std::equal(a->octets.begin(), a->octets.begin() + 8, ra->prefix->prefix.network.octets.begin()))
      std::abort();
  }
  return 0;
}
