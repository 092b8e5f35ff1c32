#include "prose/util/pcap_writer.h"

#include <fstream>

#include "prose/util/byte_writer.h"
#include "prose/util/inet_checksum.h"

namespace prose {

std::uint16_t ipv4_header_checksum(ByteView header) { return internet_checksum(header); }

namespace {
constexpr std::uint8_t kProtoTcp = 6, kProtoUdp = 17;

std::uint16_t pseudo_checksum(const std::array<std::uint8_t, 4>& src, const std::array<std::uint8_t, 4>& dst,
                              std::uint8_t proto, ByteView segment) {
  ByteWriter pseudo(12);
  pseudo.bytes(src).bytes(dst).u8(0).u8(proto).u16(static_cast<std::uint16_t>(segment.size()));
  return checksum_finish(checksum_add(checksum_add(0, pseudo.data()), segment));
}

// Ethernet II + IPv4 header around an already built transport segment.
Bytes ethernet_ipv4(const UdpEndpoint& src, const UdpEndpoint& dst, std::uint8_t proto, ByteView segment,
                    std::uint16_t ip_id) {
  constexpr std::size_t kIpHeader = 20;
  ByteWriter ip(kIpHeader);
  ip.u8(0x45).u8(0).u16(static_cast<std::uint16_t>(kIpHeader + segment.size())).u16(ip_id).u16(0).u8(64).u8(proto);
  ip.u16(0).bytes(src.ip).bytes(dst.ip);
  Bytes h = ip.take();
  std::uint16_t hc = ipv4_header_checksum(h);
  h[10] = static_cast<std::uint8_t>(hc >> 8);
  h[11] = static_cast<std::uint8_t>(hc);
  ByteWriter eth(14 + h.size() + segment.size());
  eth.bytes(dst.mac).bytes(src.mac).u16(0x0800).bytes(h).bytes(segment);
  return eth.take();
}
}  // namespace

std::uint16_t udp_ipv4_checksum(const std::array<std::uint8_t, 4>& src, const std::array<std::uint8_t, 4>& dst,
                                ByteView udp_datagram) {
  std::uint16_t c = pseudo_checksum(src, dst, kProtoUdp, udp_datagram);
  return c == 0 ? 0xffff : c;
}

std::uint16_t tcp_ipv4_checksum(const std::array<std::uint8_t, 4>& src, const std::array<std::uint8_t, 4>& dst,
                                ByteView segment) {
  return pseudo_checksum(src, dst, kProtoTcp, segment);
}

Result<Bytes> ethernet_ipv4_udp_frame(const UdpEndpoint& src, const UdpEndpoint& dst, ByteView payload,
                                      std::uint16_t ip_id) {
  constexpr std::size_t kIpHeader = 20, kUdpHeader = 8;
  if (payload.size() > 65535 - kIpHeader - kUdpHeader)
    return fail(Errc::kInvalidArgument, "UDP payload of " + std::to_string(payload.size()) + " octets too large");
  auto udp_len = static_cast<std::uint16_t>(kUdpHeader + payload.size());

  ByteWriter udp(udp_len);
  udp.u16(src.port).u16(dst.port).u16(udp_len).u16(0).bytes(payload);
  Bytes u = udp.take();
  std::uint16_t uc = udp_ipv4_checksum(src.ip, dst.ip, u);
  u[6] = static_cast<std::uint8_t>(uc >> 8);
  u[7] = static_cast<std::uint8_t>(uc);

  return ethernet_ipv4(src, dst, kProtoUdp, u, ip_id);
}

Result<Bytes> ethernet_ipv4_tcp_frame(const UdpEndpoint& src, const UdpEndpoint& dst, const TcpSegment& seg,
                                      ByteView payload, std::uint16_t ip_id) {
  constexpr std::size_t kIpHeader = 20, kTcpHeader = 20;
  if (payload.size() > 65535 - kIpHeader - kTcpHeader)
    return fail(Errc::kInvalidArgument, "TCP payload of " + std::to_string(payload.size()) + " octets too large");
  ByteWriter tcp(kTcpHeader + payload.size());
  tcp.u16(src.port).u16(dst.port).u32(seg.seq).u32(seg.ack).u8(static_cast<std::uint8_t>((kTcpHeader / 4) << 4));
  tcp.u8(seg.flags).u16(seg.window).u16(0).u16(0).bytes(payload);
  Bytes t = tcp.take();
  std::uint16_t tc = tcp_ipv4_checksum(src.ip, dst.ip, t);
  t[16] = static_cast<std::uint8_t>(tc >> 8);
  t[17] = static_cast<std::uint8_t>(tc);
  return ethernet_ipv4(src, dst, kProtoTcp, t, ip_id);
}

PcapWriter::PcapWriter() {
  le32(kMagic);
  le16(2);  // version 2.4
  le16(4);
  le32(0);  // thiszone
  le32(0);  // sigfigs
  le32(kSnapLen);
  le32(kLinkTypeEthernet);
}

void PcapWriter::le32(std::uint32_t v) {
  for (int i = 0; i < 4; ++i) buf_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void PcapWriter::le16(std::uint16_t v) {
  buf_.push_back(static_cast<std::uint8_t>(v));
  buf_.push_back(static_cast<std::uint8_t>(v >> 8));
}

void PcapWriter::add_frame(ByteView frame, std::int64_t unix_seconds, std::uint32_t micros) {
  auto caplen = static_cast<std::uint32_t>(std::min<std::size_t>(frame.size(), kSnapLen));
  le32(static_cast<std::uint32_t>(unix_seconds));
  le32(micros % 1000000);
  le32(caplen);
  le32(static_cast<std::uint32_t>(frame.size()));
  buf_.insert(buf_.end(), frame.begin(), frame.begin() + caplen);
  ++frames_;
}

Status PcapWriter::add_udp(const UdpEndpoint& src, const UdpEndpoint& dst, ByteView payload, std::int64_t unix_seconds,
                           std::uint32_t micros) {
  PROSE_TRY(Bytes frame, ethernet_ipv4_udp_frame(src, dst, payload, next_ip_id_++));
  add_frame(frame, unix_seconds, micros);
  return ok_status();
}

Status PcapWriter::write_file(const std::string& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return fail(Errc::kIo, "cannot open " + path + " for writing");
  out.write(reinterpret_cast<const char*>(buf_.data()), static_cast<std::streamsize>(buf_.size()));
  if (!out) return fail(Errc::kIo, "write to " + path + " failed");
  return ok_status();
}

}  // namespace prose
