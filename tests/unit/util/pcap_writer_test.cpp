#include "prose/util/pcap_writer.h"

#include <gtest/gtest.h>

#include "prose/util/hex.h"

namespace prose {
namespace {

TEST(PcapWriter, Ipv4HeaderChecksumKnownValue) {
  // Classic example header (Wikipedia "IPv4 header checksum"): checksum 0xb861.
  Bytes h = hex_literal("450000730000400040110000c0a80001c0a800c7");
  EXPECT_EQ(ipv4_header_checksum(h), 0xb861);
  h[10] = 0xb8;
  h[11] = 0x61;
  EXPECT_EQ(ipv4_header_checksum(h), 0);  // a correct header sums to zero
}

TEST(PcapWriter, FrameLayoutAndChecksums) {
  UdpEndpoint a, b;
  a.ip = {10, 0, 0, 1};
  a.port = 40000;
  b.ip = {10, 0, 0, 2};
  b.port = 2269;
  Bytes payload = hex_literal("0102030405");
  auto f = ethernet_ipv4_udp_frame(a, b, payload, 7);
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->size(), 14u + 20u + 8u + 5u);
  EXPECT_EQ((*f)[12], 0x08);
  EXPECT_EQ((*f)[13], 0x00);
  ByteView ip = ByteView(*f).subspan(14, 20);
  EXPECT_EQ(ip[0], 0x45);
  EXPECT_EQ(ip[9], 17);
  EXPECT_EQ(ipv4_header_checksum(ip), 0);
  EXPECT_EQ(ip[2] << 8 | ip[3], 33);
  ByteView udp = ByteView(*f).subspan(34);
  EXPECT_EQ(udp[2] << 8 | udp[3], 2269);
  EXPECT_EQ(udp[4] << 8 | udp[5], 13);
  // A datagram with its checksum filled in sums (with the pseudo header) to zero.
  Bytes zeroed(udp.begin(), udp.end());
  std::uint16_t stored = static_cast<std::uint16_t>(zeroed[6] << 8 | zeroed[7]);
  zeroed[6] = zeroed[7] = 0;
  EXPECT_EQ(udp_ipv4_checksum(a.ip, b.ip, zeroed), stored);
  EXPECT_EQ(ByteView(*f).subspan(42).size(), 5u);
}

TEST(PcapWriter, TcpSegmentLayoutAndChecksums) {
  UdpEndpoint a, b;
  a.ip = {127, 0, 0, 1};
  a.port = 51000;
  b.ip = {127, 0, 0, 1};
  b.port = 3868;
  Bytes payload = hex_literal("0100001480000101");
  auto f = ethernet_ipv4_tcp_frame(a, b, TcpSegment{0x01020304, 0xa0b0c0d0, kTcpPsh | kTcpAck, 4096}, payload, 9);
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->size(), 14u + 20u + 20u + 8u);
  ByteView ip = ByteView(*f).subspan(14, 20);
  EXPECT_EQ(ip[9], 6);
  EXPECT_EQ(ipv4_header_checksum(ip), 0);
  EXPECT_EQ(ip[2] << 8 | ip[3], 48);
  ByteView tcp = ByteView(*f).subspan(34);
  EXPECT_EQ(tcp[0] << 8 | tcp[1], 51000);
  EXPECT_EQ(tcp[2] << 8 | tcp[3], 3868);
  EXPECT_EQ(to_hex(tcp.subspan(4, 8)), "01020304a0b0c0d0");
  EXPECT_EQ(tcp[12], 0x50);  // 5 words, no options
  EXPECT_EQ(tcp[13], kTcpPsh | kTcpAck);
  EXPECT_EQ(tcp[14] << 8 | tcp[15], 4096);
  EXPECT_EQ(to_hex(tcp.subspan(20)), "0100001480000101");
  // The checksum verifies: recomputing over the segment with its checksum in place gives 0.
  EXPECT_EQ(tcp_ipv4_checksum(a.ip, b.ip, tcp), 0);
  Bytes zeroed(tcp.begin(), tcp.end());
  zeroed[16] = zeroed[17] = 0;
  EXPECT_EQ(tcp_ipv4_checksum(a.ip, b.ip, zeroed), tcp[16] << 8 | tcp[17]);
  EXPECT_FALSE(ethernet_ipv4_tcp_frame(a, b, TcpSegment{}, Bytes(65500, 0)).ok());
}

TEST(PcapWriter, GlobalAndRecordHeaders) {
  PcapWriter w;
  ASSERT_EQ(w.data().size(), 24u);
  EXPECT_EQ(to_hex(ByteView(w.data()).first(4)), "d4c3b2a1");
  UdpEndpoint a, b;
  ASSERT_TRUE(w.add_udp(a, b, hex_literal("aa"), 1700000000, 5).ok());
  ASSERT_EQ(w.frames(), 1u);
  ByteView rec = ByteView(w.data()).subspan(24, 16);
  EXPECT_EQ(to_hex(rec),
            "00f15365"
            "05000000"
            "2b000000"
            "2b000000");
  EXPECT_EQ(w.data().size(), 24u + 16u + 43u);
}

TEST(PcapWriter, RejectsOversizedPayload) {
  UdpEndpoint a, b;
  Bytes big(65536, 0);
  auto f = ethernet_ipv4_udp_frame(a, b, big);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, Errc::kInvalidArgument);
}

TEST(PcapWriter, WriteFileFailsOnBadPath) {
  PcapWriter w;
  auto s = w.write_file("/nonexistent-dir/x.pcap");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::kIo);
}

}  // namespace
}  // namespace prose
