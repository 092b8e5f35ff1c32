// Zn on the wire as Wireshark reads it: a BIR and its BIA (from the real handler, after a Ub bootstrap) in a
// TCP capture to port 3868, decoded by tshark's Diameter dissector without a Malformed Packet. Skipped when tshark
// is not installed.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "prose/diameter_client/client.h"
#include "prose/gba/ua_ids.h"
#include "prose/gba/ub_client.h"
#include "prose/hss/service.h"
#include "prose/hss/ub_service.h"
#include "prose/keys/prose_keys.h"
#include "prose/util/hex.h"
#include "prose/util/pcap_writer.h"
#include "prose/util/random.h"

namespace prose::hss {
namespace {

namespace d = prose::diameter;

std::string run(const std::string& cmd) {
  std::string out;
  FILE* f = popen((cmd + " 2>&1").c_str(), "r");
  if (f == nullptr) return out;
  char buf[4096];
  std::size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  pclose(f);
  return out;
}

TEST(ZnTshark, BirAndBiaDecodeWithoutMalformed) {
  if (std::system("command -v tshark > /dev/null 2>&1") != 0) GTEST_SKIP() << "tshark not installed";
  const auto dir = std::filesystem::temp_directory_path() / ("prose_zn_tshark_" + std::to_string(random_u32()));
  std::filesystem::create_directories(dir);
  HssConfig cfg;
  cfg.database_path = (dir / "hss.db").string();
  auto store = *SubscriberStore::open(cfg.database_path);
  const Bytes k = hex_literal("465b5ce8b199b49faa5f0a2ee238a6bc"),
              opc = hex_literal("cd63cb71954a9f4e48a5994e37a02baf");
  const std::string impi = "001010123456789@ims.mnc001.mcc001.3gppnetwork.org";
  ASSERT_TRUE(store->add_subscriber("001010123456789", k, opc, 0, hex_literal("8000")).ok());
  gba::BootstrapSessions sessions;
  UbService ub(UbConfig{}, *store, sessions);
  HssService service(cfg, *store);
  service.attach_bootstrap_sessions(&sessions);
  // Bootstrap sans I/O.
  auto usim = *crypto::Usim::create(k, opc);
  net::HttpRequest get;
  get.method = "GET";
  std::string log;
  get.headers = {{"Authorization", gba::initial_authorization(impi, "bsf.prose.lab")}};
  auto challenge = ub.handle(get, 1800000000, log);
  auto ans = gba::answer_challenge(usim, impi, challenge.header("WWW-Authenticate"));
  ASSERT_TRUE(ans.ok());
  get.headers = {{"Authorization", ans->authorization}};
  auto done = ub.handle(get, 1800000000, log);
  ASSERT_EQ(done.status, 200);
  auto info = *gba::decode_bootstrapping_info(done.body);

  d::Message bir =
      d::HssClient::bir_request(d::ClientConfig{}, info.btid, keys::make_naf_id("pkmf.prose.lab", gba::kUaTls13));
  bir.hop_by_hop = 7;
  bir.end_to_end = 8;
  d::Message bia = service.handle_request(bir, log);
  ASSERT_TRUE(d::HssClient::bia_key(bia).ok()) << log;
  d::Message unknown = bir;
  unknown.hop_by_hop = 9;
  for (auto& a : unknown.avps)
    if (a.code == d::avp::kTransactionIdentifier) a = d::make_str(a.code, "AAAA@bsf.prose.lab", d::kVendor3gpp);
  d::Message bia_unknown = service.handle_request(unknown, log);

  PcapWriter pcap;
  UdpEndpoint naf{{0x02, 0, 0, 0, 0, 1}, {10, 0, 0, 1}, 40000};
  UdpEndpoint bsf{{0x02, 0, 0, 0, 0, 2}, {10, 0, 0, 2}, 3868};
  std::uint32_t seq_naf = 1000, seq_bsf = 5000;
  auto add = [&](const d::Message& m, bool from_naf) {
    Bytes wire = *d::encode(m);
    TcpSegment s{from_naf ? seq_naf : seq_bsf, from_naf ? seq_bsf : seq_naf, kTcpAck | kTcpPsh};
    auto frame = from_naf ? ethernet_ipv4_tcp_frame(naf, bsf, s, wire) : ethernet_ipv4_tcp_frame(bsf, naf, s, wire);
    ASSERT_TRUE(frame.ok());
    pcap.add_frame(*frame, 1800000000);
    (from_naf ? seq_naf : seq_bsf) += static_cast<std::uint32_t>(wire.size());
  };
  add(bir, true);
  add(bia, false);
  add(unknown, true);
  add(bia_unknown, false);
  const std::string file = (dir / "zn.pcap").string();
  ASSERT_TRUE(pcap.write_file(file).ok());
  const std::string out = run("tshark -r " + file + " -V -o tcp.check_checksum:FALSE");
  EXPECT_EQ(out.find("Malformed"), std::string::npos) << out;
  EXPECT_NE(out.find("Transaction-Identifier"), std::string::npos) << out;
  EXPECT_NE(out.find("ME-Key-Material"), std::string::npos) << out;
  EXPECT_NE(out.find("16777220"), std::string::npos) << out;
  EXPECT_NE(out.find("5403"), std::string::npos) << out;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace prose::hss
