// A peer we did not write: the relay's Router Advertisement and a Remote UE's Router Solicitation as our encoder
// builds them, written to a capture (Ethernet II around the IPv6 packets) and decoded by tshark's own ICMPv6
// dissector. Every field it reports must be what we meant, the checksums good and nothing malformed. Skipped when
// tshark is not installed (scripts/install-deps installs it).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "prose/ip/ndp.h"
#include "prose/util/pcap_writer.h"
#include "prose/util/random.h"

namespace prose::ip::ndp {
namespace {

std::string run(const std::string& cmd) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) return out;
  char buf[4096];
  std::size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  pclose(f);
  return out;
}

// Ethernet II (broadcast destination, a locally administered source, type IPv6) around an IPv6 packet.
Bytes ethernet(const Bytes& ip_packet) {
  Bytes f(14 + ip_packet.size(), 0xff);
  const std::uint8_t src[6] = {0x02, 0, 0, 0, 0, 0x01};
  std::copy(src, src + 6, f.begin() + 6);
  f[12] = 0x86;
  f[13] = 0xDD;
  std::copy(ip_packet.begin(), ip_packet.end(), f.begin() + 14);
  return f;
}

TEST(NdpTshark, AdvertisementAndSolicitationDecodeFieldForField) {
  if (std::system("command -v tshark > /dev/null 2>&1") != 0) GTEST_SKIP() << "tshark not installed";
  RouterAdvertisement ra;
  ra.prefix = PrefixInformation{Ipv6Prefix::parse("2001:db8:45::/64").value()};
  ra.mtu = 1491;
  PcapWriter pcap;
  pcap.add_frame(ethernet(encode_router_advertisement(relay_link_local(), all_nodes(), ra).value()), 1'800'000'000, 0);
  pcap.add_frame(ethernet(encode_router_solicitation(link_local_for(0x00ee31)).value()), 1'800'000'000, 1);
  const auto file = std::filesystem::temp_directory_path() / ("prose_ndp_" + std::to_string(random_u32()) + ".pcap");
  ASSERT_TRUE(pcap.write_file(file.string()).ok());
  // One line per packet: addresses, hop limit, type, code, checksum status, cur hop limit, M, O, router lifetime,
  // prefix, its length, L, A, valid and preferred lifetime, MTU.
  const std::string fields = run(
      "tshark -r " + file.string() +
      " -T fields -E separator='|' -e ipv6.src -e ipv6.dst -e ipv6.hlim -e icmpv6.type -e icmpv6.code"
      " -e icmpv6.checksum.status -e icmpv6.nd.ra.cur_hop_limit -e icmpv6.nd.ra.flag.m -e icmpv6.nd.ra.flag.o"
      " -e icmpv6.nd.ra.router_lifetime -e icmpv6.opt.prefix -e icmpv6.opt.prefix.length -e icmpv6.opt.prefix.flag.l"
      " -e icmpv6.opt.prefix.flag.a -e icmpv6.opt.prefix.valid_lifetime -e icmpv6.opt.prefix.preferred_lifetime"
      " -e icmpv6.opt.mtu 2>/dev/null");
  const std::string expert = run("tshark -r " + file.string() + " -z expert,warn -q 2>&1");
  std::filesystem::remove(file);
  // Checksum status 1: Wireshark found it good.
  EXPECT_EQ(fields,
            "fe80::1|ff02::1|255|134|0|1|64|0|0|1800|2001:db8:45::|64|1|1|2592000|604800|1491\n"
            "fe80::ff:fe00:ee31|ff02::2|255|133|0|1|||||||||||\n")
      << fields;
  EXPECT_EQ(expert.find("Malformed"), std::string::npos) << expert;
  EXPECT_EQ(expert.find("Bad checksum"), std::string::npos) << expert;
}

}  // namespace
}  // namespace prose::ip::ndp
