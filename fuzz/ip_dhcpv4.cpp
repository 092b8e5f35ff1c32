// libFuzzer target: the DHCPv4 message decoder, and the relay's server and the Remote UE's client fed the input as
// an IP packet. Whatever decodes must re-encode to a message that decodes to the same model; nothing may crash, and
// the server may hand out only addresses of its pool.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "prose/ip/address_pool.h"
#include "prose/ip/dhcpv4.h"
#include "prose/ip/dhcpv4_client.h"
#include "prose/ip/dhcpv4_server.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace prose::ip;
  const prose::ByteView in(data, size);
  auto m = dhcpv4::decode(in);
  if (!m.ok()) {
    if (m.error().offset.has_value() && *m.error().offset > size) std::abort();
  } else {
    auto again = dhcpv4::decode(dhcpv4::encode(*m));
    if (!again.ok() || !(*again == *m)) std::abort();
  }

  auto pool = Ipv4Pool::create(*Ipv4Prefix::parse("10.45.0.0/29"));
  if (!pool.ok()) std::abort();
  dhcpv4::Server server(*pool, 3600);
  const prose::ids::Layer2Id link{0x123456};
  if (m.ok()) {
    auto reply = server.handle(link, *m);
    if (reply.ok() && reply->has_value() && !(*reply)->yiaddr.is_unspecified() &&
        !pool->prefix().contains((*reply)->yiaddr)) {
      std::abort();
    }
  }
  (void)server.handle_packet(link, in);

  dhcpv4::Client client(link_mac(link), 0x01020304);
  if (!client.start().ok()) std::abort();
  (void)client.handle(in);
  if (client.state() == dhcpv4::Client::State::kBound && !client.lease().has_value()) std::abort();
  return 0;
}
