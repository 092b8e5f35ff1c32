// Classic libpcap capture files (LINKTYPE_ETHERNET) built in memory, with Ethernet II / IPv4 / UDP or TCP framing,
// so protocol messages we produce can be opened in Wireshark/tshark. Generic: no protocol knowledge here.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "prose/util/bytes.h"
#include "prose/util/result.h"

namespace prose {

struct UdpEndpoint {
  std::array<std::uint8_t, 6> mac{0x02, 0, 0, 0, 0, 0x01};  // locally administered
  std::array<std::uint8_t, 4> ip{10, 0, 0, 1};
  std::uint16_t port = 0;
};

// RFC 791 header checksum: one's complement of the one's complement sum of the 16-bit words
// (the checksum field itself must be zero in `header`).
std::uint16_t ipv4_header_checksum(ByteView header);
// RFC 768 UDP checksum over the IPv4 pseudo header and the datagram (checksum field zero); 0 becomes 0xffff.
std::uint16_t udp_ipv4_checksum(const std::array<std::uint8_t, 4>& src, const std::array<std::uint8_t, 4>& dst,
                                ByteView udp_datagram);
// Ethernet II + IPv4 (no options, TTL 64, DF clear) + UDP with both checksums filled in.
// Fails when the payload does not fit one IPv4 datagram.
Result<Bytes> ethernet_ipv4_udp_frame(const UdpEndpoint& src, const UdpEndpoint& dst, ByteView payload,
                                      std::uint16_t ip_id = 0);

// RFC 9293 TCP: the header fields of one segment (20-octet header, no options) and its checksum over the IPv4
// pseudo header (the checksum field of `segment` must be zero). Endpoints are UdpEndpoints (MAC, IPv4, port).
inline constexpr std::uint8_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpPsh = 0x08, kTcpAck = 0x10;
struct TcpSegment {
  std::uint32_t seq = 0, ack = 0;
  std::uint8_t flags = 0;
  std::uint16_t window = 65535;
};
std::uint16_t tcp_ipv4_checksum(const std::array<std::uint8_t, 4>& src, const std::array<std::uint8_t, 4>& dst,
                                ByteView segment);
// Ethernet II + IPv4 + TCP with both checksums. Fails when the payload does not fit one IPv4 datagram.
Result<Bytes> ethernet_ipv4_tcp_frame(const UdpEndpoint& src, const UdpEndpoint& dst, const TcpSegment& seg,
                                      ByteView payload, std::uint16_t ip_id = 0);

class PcapWriter {
 public:
  static constexpr std::uint32_t kMagic = 0xa1b2c3d4;  // microsecond timestamps
  static constexpr std::uint32_t kLinkTypeEthernet = 1;
  static constexpr std::uint32_t kSnapLen = 65535;

  PcapWriter();
  void add_frame(ByteView frame, std::int64_t unix_seconds, std::uint32_t micros = 0);
  Status add_udp(const UdpEndpoint& src, const UdpEndpoint& dst, ByteView payload, std::int64_t unix_seconds,
                 std::uint32_t micros = 0);
  const Bytes& data() const { return buf_; }
  std::size_t frames() const { return frames_; }
  Status write_file(const std::string& path) const;

 private:
  void le32(std::uint32_t v);
  void le16(std::uint16_t v);
  Bytes buf_;
  std::size_t frames_ = 0;
  std::uint16_t next_ip_id_ = 1;
};

}  // namespace prose
