// A peer we did not write: the four messages of a DHCPv4 exchange between our client and server, written to a
// capture (Ethernet II around our IPv4/UDP packets) and decoded by tshark's own DHCP dissector. Every field it
// reports must be what the exchange carried, and nothing may be malformed or fail its checksum. Skipped when tshark
// is not installed (scripts/install-deps installs it).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "prose/ip/address_pool.h"
#include "prose/ip/dhcpv4_client.h"
#include "prose/ip/dhcpv4_server.h"
#include "prose/util/pcap_writer.h"
#include "prose/util/random.h"

namespace prose::ip::dhcpv4 {
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

// Ethernet II (broadcast destination, the client's MAC as source, type IPv4) around an IPv4 packet.
Bytes ethernet(const std::array<std::uint8_t, 6>& src, const Bytes& ip_packet) {
  Bytes f(14 + ip_packet.size(), 0xff);
  std::copy(src.begin(), src.end(), f.begin() + 6);
  f[12] = 0x08;
  f[13] = 0x00;
  std::copy(ip_packet.begin(), ip_packet.end(), f.begin() + 14);
  return f;
}

TEST(Dhcpv4Tshark, TheExchangeDecodesFieldForField) {
  if (std::system("command -v tshark > /dev/null 2>&1") != 0) GTEST_SKIP() << "tshark not installed";
  const Layer2Id link{0x123456};
  Ipv4Pool pool = *Ipv4Pool::create(*Ipv4Prefix::parse("10.45.0.0/24"));
  Server server{pool, 3600};
  Client client{link_mac(link), 0x01020304};
  std::vector<Bytes> packets;
  auto discover = client.start();
  ASSERT_TRUE(discover.ok());
  packets.push_back(*discover);
  auto offer = server.handle_packet(link, packets.back());
  ASSERT_TRUE(offer.ok() && offer->has_value());
  packets.push_back(**offer);
  auto request = client.handle(packets.back());
  ASSERT_TRUE(request.ok() && request->has_value());
  packets.push_back(**request);
  auto ack = server.handle_packet(link, packets.back());
  ASSERT_TRUE(ack.ok() && ack->has_value());
  packets.push_back(**ack);
  ASSERT_TRUE(client.handle(packets.back()).ok());
  ASSERT_EQ(client.state(), Client::State::kBound);

  PcapWriter pcap;
  for (std::size_t i = 0; i < packets.size(); ++i)
    pcap.add_frame(ethernet(link_mac(link), packets[i]), 1'800'000'000, static_cast<std::uint32_t>(i));
  const auto file = std::filesystem::temp_directory_path() / ("prose_dhcp_" + std::to_string(random_u32()) + ".pcap");
  ASSERT_TRUE(pcap.write_file(file.string()).ok());
  // One line per packet: message type, xid, client MAC, your address, server identifier, lease time, mask, router,
  // requested address; then tshark's own checks of the IPv4 and UDP checksums.
  const std::string fields =
      run("tshark -r " + file.string() +
          " -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -T fields -E separator='|' -e dhcp.option.dhcp"
          " -e dhcp.id -e dhcp.hw.mac_addr -e dhcp.ip.your -e dhcp.option.dhcp_server_id -e "
          "dhcp.option.ip_address_lease_time"
          " -e dhcp.option.subnet_mask -e dhcp.option.router -e dhcp.option.requested_ip_address -e ip.checksum.status"
          " -e udp.checksum.status 2>/dev/null");
  const std::string expert = run("tshark -r " + file.string() +
                                 " -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -z expert,warn -q 2>&1");
  std::filesystem::remove(file);
  // Checksum status 1: Wireshark found it good (0 would be bad, 2 not checked).
  EXPECT_EQ(fields,
            "1|0x01020304|02:00:00:12:34:56|0.0.0.0||||||1|1\n"
            "2|0x01020304|02:00:00:12:34:56|10.45.0.2|10.45.0.1|3600|255.255.255.0|10.45.0.1||1|1\n"
            "3|0x01020304|02:00:00:12:34:56|0.0.0.0|10.45.0.1||||10.45.0.2|1|1\n"
            "5|0x01020304|02:00:00:12:34:56|10.45.0.2|10.45.0.1|3600|255.255.255.0|10.45.0.1||1|1\n")
      << fields;
  EXPECT_EQ(expert.find("Malformed"), std::string::npos) << expert;
  EXPECT_EQ(expert.find("Bad checksum"), std::string::npos) << expert;
}

}  // namespace
}  // namespace prose::ip::dhcpv4
