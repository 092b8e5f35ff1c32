#include "prose/ip/ndp.h"

#include <algorithm>

#include "prose/ip/address_pool.h"
#include "prose/ip/checksum.h"
#include "prose/ip/packet.h"
#include "prose/util/byte_reader.h"
#include "prose/util/byte_writer.h"

namespace prose::ip::ndp {
namespace {

Ipv6Address with_last(std::array<std::uint8_t, 2> first, std::uint8_t last) {
  Ipv6Address a;
  a.octets[0] = first[0];
  a.octets[1] = first[1];
  a.octets[15] = last;
  return a;
}

// The ICMPv6 message in an IPv6 packet with the checksum filled in.
Result<Bytes> icmpv6_packet(const Ipv6Address& source, const Ipv6Address& destination, Bytes message) {
  const std::uint16_t c = checksum_finish(checksum_add(
      ipv6_pseudo_header_sum(source, destination, kProtocolIcmpv6, static_cast<std::uint32_t>(message.size())),
      message));
  message[2] = static_cast<std::uint8_t>(c >> 8);
  message[3] = static_cast<std::uint8_t>(c);
  Ipv6Header h;
  h.next_header = kProtocolIcmpv6;
  h.hop_limit = kHopLimit;
  h.source = source;
  h.destination = destination;
  return encode_ipv6(h, message);
}

// The checks RFC 4861 6.1.1 / 6.1.2 share: an ICMPv6 message of `type`, hop limit 255, a correct checksum, code 0,
// at least `min_size` octets. Returns the packet and a reader at the options.
struct Validated {
  Ipv6Packet packet;
  ByteView options;
};
Result<Validated> validate(ByteView bytes, std::uint8_t type, std::size_t min_size, const char* name) {
  PROSE_TRY(Ipv6Packet p, parse_ipv6(bytes));
  const std::string what(name);
  if (p.header.next_header != kProtocolIcmpv6) return fail_at(Errc::kMalformed, 6, what + ": not ICMPv6");
  if (p.header.hop_limit != kHopLimit) {
    return fail_at(Errc::kMalformed, 7,
                   what + ": hop limit " + std::to_string(p.header.hop_limit) + ", not 255 (RFC 4861 6.1)");
  }
  const ByteView m = p.payload;
  if (m.size() < min_size) {
    return fail_at(Errc::kMalformed, kIpv6HeaderSize,
                   what + ": " + std::to_string(m.size()) + " octets, less than " + std::to_string(min_size));
  }
  if (m[0] != type) return fail_at(Errc::kMalformed, kIpv6HeaderSize, what + ": ICMPv6 type " + std::to_string(m[0]));
  if (m[1] != 0) return fail_at(Errc::kMalformed, kIpv6HeaderSize + 1, what + ": code " + std::to_string(m[1]));
  const std::uint32_t pseudo = ipv6_pseudo_header_sum(p.header.source, p.header.destination, kProtocolIcmpv6,
                                                      static_cast<std::uint32_t>(m.size()));
  if (checksum_finish(checksum_add(pseudo, m)) != 0) {
    return fail_at(Errc::kMalformed, kIpv6HeaderSize + 2, what + ": ICMPv6 checksum mismatch");
  }
  return Validated{p, m.subspan(min_size)};
}

// Walks the options (RFC 4861 4.6): each type, length in 8 octets (0 refused), then its body.
template <typename OnOption>
Status for_each_option(ByteView options, std::size_t base, OnOption on_option) {
  ByteReader r(options, base);
  while (!r.empty()) {
    const std::size_t at = r.offset();
    PROSE_TRY(std::uint8_t type, r.u8("option type"));
    PROSE_TRY(std::uint8_t length, r.u8("option length"));
    if (length == 0) return fail_at(Errc::kMalformed, at + 1, "NDP option " + std::to_string(type) + ": length 0");
    PROSE_TRY(ByteView body, r.bytes(length * 8u - 2, "option body"));
    PROSE_TRY_STATUS(on_option(type, length, body, at));
  }
  return ok_status();
}

}  // namespace

Ipv6Address all_nodes() { return with_last({0xFF, 0x02}, 1); }
Ipv6Address all_routers() { return with_last({0xFF, 0x02}, 2); }
Ipv6Address relay_link_local() { return with_last({0xFE, 0x80}, 1); }

Ipv6Address link_local_for(std::uint32_t l2_id) {
  Ipv6Address a = with_last({0xFE, 0x80}, 0);
  const auto iid = interface_identifier(Layer2Id{l2_id});
  std::copy(iid.begin(), iid.end(), a.octets.begin() + 8);
  return a;
}

Result<Bytes> encode_router_advertisement(const Ipv6Address& source, const Ipv6Address& destination,
                                          const RouterAdvertisement& ra) {
  ByteWriter w(kRaSize + 40);
  w.u8(kTypeRouterAdvertisement).u8(0).u16(0);
  w.u8(ra.cur_hop_limit)
      .u8(static_cast<std::uint8_t>((ra.managed ? kRaFlagManaged : 0) | (ra.other ? kRaFlagOther : 0)))
      .u16(ra.router_lifetime)
      .u32(ra.reachable_time)
      .u32(ra.retrans_timer);
  if (ra.prefix) {
    const PrefixInformation& p = *ra.prefix;
    w.u8(kOptionPrefixInformation).u8(kPrefixInformationLength).u8(p.prefix.length);
    w.u8(static_cast<std::uint8_t>((p.on_link ? kPrefixFlagOnLink : 0) | (p.autonomous ? kPrefixFlagAutonomous : 0)));
    w.u32(p.valid_lifetime).u32(p.preferred_lifetime).u32(0);
    w.bytes(ByteView(p.prefix.network.octets.data(), p.prefix.network.octets.size()));
  }
  if (ra.mtu) w.u8(kOptionMtu).u8(kMtuLength).u16(0).u32(*ra.mtu);
  return icmpv6_packet(source, destination, w.take());
}

Result<Bytes> encode_router_solicitation(const Ipv6Address& source) {
  ByteWriter w(kRsSize);
  w.u8(kTypeRouterSolicitation).u8(0).u16(0).u32(0);
  return icmpv6_packet(source, all_routers(), w.take());
}

std::optional<std::uint8_t> icmpv6_type(ByteView packet) {
  if (packet.size() <= kIpv6HeaderSize || (packet[0] >> 4) != 6 || packet[6] != kProtocolIcmpv6) return std::nullopt;
  return packet[kIpv6HeaderSize];
}

Result<RouterAdvertisement> parse_router_advertisement(ByteView packet) {
  PROSE_TRY(Validated v, validate(packet, kTypeRouterAdvertisement, kRaSize, "Router Advertisement"));
  if (!v.packet.header.source.is_link_local()) {
    return fail_at(Errc::kMalformed, 8,
                   "Router Advertisement: source " + v.packet.header.source.to_string() + " is not link-local");
  }
  const ByteView m = v.packet.payload;
  RouterAdvertisement ra;
  ra.cur_hop_limit = m[4];
  ra.managed = (m[5] & kRaFlagManaged) != 0;
  ra.other = (m[5] & kRaFlagOther) != 0;
  ra.router_lifetime = static_cast<std::uint16_t>(m[6] << 8 | m[7]);
  ByteReader fixed(m.subspan(8));
  ra.reachable_time = fixed.u32().value();
  ra.retrans_timer = fixed.u32().value();
  PROSE_TRY_STATUS(for_each_option(
      v.options, kIpv6HeaderSize + kRaSize,
      [&](std::uint8_t type, std::uint8_t length, ByteView body, std::size_t at) -> Status {
        if (type == kOptionPrefixInformation && !ra.prefix) {
          if (length != kPrefixInformationLength) {
            return fail_at(Errc::kMalformed, at + 1, "prefix information: length " + std::to_string(length));
          }
          ByteReader r(body, at + 2);
          PROSE_TRY(std::uint8_t plen, r.u8("prefix length"));
          PROSE_TRY(std::uint8_t flags, r.u8("prefix flags"));
          PrefixInformation p;
          PROSE_TRY(p.valid_lifetime, r.u32("valid lifetime"));
          PROSE_TRY(p.preferred_lifetime, r.u32("preferred lifetime"));
          PROSE_TRY_STATUS(r.skip(4, "reserved2"));
          PROSE_TRY(ByteView octets, r.bytes(16, "prefix"));
          if (plen > 128) return fail_at(Errc::kMalformed, at + 2, "prefix length " + std::to_string(plen));
          std::copy(octets.begin(), octets.end(), p.prefix.network.octets.begin());
          for (std::size_t bit = plen; bit < 128; ++bit)  // bits after the length: ignored by the receiver
            p.prefix.network.octets[bit / 8] &= static_cast<std::uint8_t>(~(0x80 >> (bit % 8)));
          p.prefix.length = plen;
          p.on_link = (flags & kPrefixFlagOnLink) != 0;
          p.autonomous = (flags & kPrefixFlagAutonomous) != 0;
          ra.prefix = p;
        } else if (type == kOptionMtu && !ra.mtu) {
          if (length != kMtuLength) return fail_at(Errc::kMalformed, at + 1, "MTU: length " + std::to_string(length));
          ra.mtu = static_cast<std::uint32_t>(body[2]) << 24 | static_cast<std::uint32_t>(body[3]) << 16 |
                   static_cast<std::uint32_t>(body[4]) << 8 | body[5];
        }
        return ok_status();
      }));
  return ra;
}

Status parse_router_solicitation(ByteView packet) {
  PROSE_TRY(Validated v, validate(packet, kTypeRouterSolicitation, kRsSize, "Router Solicitation"));
  const bool unspecified = v.packet.header.source.is_unspecified();
  return for_each_option(
      v.options, kIpv6HeaderSize + kRsSize, [&](std::uint8_t type, std::uint8_t, ByteView, std::size_t at) -> Status {
        if (unspecified && type == kOptionSourceLinkLayer) {  // RFC 4861 6.1.1
          return fail_at(Errc::kMalformed, at, "Router Solicitation from :: with a source link-layer address option");
        }
        return ok_status();
      });
}

Result<Ipv6Address> slaac_address(const Ipv6Prefix& prefix, std::uint32_t l2_id) {
  PROSE_TRY(Ipv6Plan plan, Ipv6Plan::create(prefix));
  return plan.address_for(Layer2Id{l2_id});
}

}  // namespace prose::ip::ndp
