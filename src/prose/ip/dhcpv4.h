// DHCPv4 (RFC 2131, options RFC 2132): the message codec. The relay's server (dhcpv4_server.h) and the Remote UE's
// client (dhcpv4_client.h) build on it. Only the options below are modelled; others are skipped on decode.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "prose/ip/address.h"
#include "prose/ip/dhcpv4_constants.h"
#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose::ip::dhcpv4 {

struct Message {
  std::uint8_t op = kOpBootRequest;
  std::uint8_t htype = kHtypeEthernet;
  std::uint8_t hlen = kHlenEthernet;
  std::uint8_t hops = 0;
  std::uint32_t xid = 0;
  std::uint16_t secs = 0;
  std::uint16_t flags = 0;
  Ipv4Address ciaddr, yiaddr, siaddr, giaddr;
  std::array<std::uint8_t, kChaddrSize> chaddr{};
  // sname and file are sent as zeros and ignored on decode.

  // Options, encoded in this order (message type first, RFC 2131 4.1 recommends it), then End.
  MessageType type = MessageType::kDiscover;            // 53, mandatory
  std::optional<Ipv4Address> server_id;                 // 54
  std::optional<std::uint32_t> lease_seconds;           // 51
  std::optional<Ipv4Address> subnet_mask;               // 1
  std::optional<Ipv4Address> router;                    // 3 (the first router when several)
  std::optional<Ipv4Address> requested_ip;              // 50
  std::optional<std::vector<std::uint8_t>> parameters;  // 55
  std::optional<std::string> message;                   // 56 (NAK text)

  bool operator==(const Message&) const = default;
};

std::string_view message_type_name(MessageType t);

// The UDP payload (BOOTP header, cookie, options, End); no padding to the BOOTP 300-octet minimum.
Bytes encode(const Message& m);
// Refuses a short fixed part, a wrong cookie, an option running past the end, a missing End or message type, a
// known option with a wrong length or given twice, and option overload (52).
Result<Message> decode(ByteView udp_payload);

}  // namespace prose::ip::dhcpv4
