// Interop oracle: tshark (Wireshark's MIKEY dissector) must decode our messages without a "Malformed" mark and
// extract exactly the field values we put in. The pcap is written by prose/util/pcap_writer.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "prose/mikey/delivery.h"
#include "prose/util/hex.h"
#include "prose/util/pcap_writer.h"

namespace prose::mikey {
namespace {

const NtpTime kNow = ntp_from_unix(1767225600);

std::string run(const std::string& cmd, int* status = nullptr) {
  std::string out;
  FILE* p = popen((cmd + " 2>/dev/null").c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  if (status != nullptr) *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

struct Case {
  std::string name;
  Profile profile;
  DeliveryParams params;
  BuiltDelivery built;
  Bytes r_message;  // verification message, when V was set
};

DeliveryParams base(std::uint32_t csb, std::uint8_t rand_seed) {
  DeliveryParams p;
  p.pmk = SecretBytes(hex_literal("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"));
  p.pmk_id = hex_literal("c0ffee01");
  p.key_type_id = hex_literal("00000001");
  p.key_id = 0x1122334455667788ULL;
  p.key = SecretBytes(hex_literal("a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"));
  p.pkmf_fqdn = "pkmf.example.org";
  p.ue_id = "ue1@example.org";
  p.csb_id = csb;
  Bytes r(16);
  for (std::size_t i = 0; i < r.size(); ++i) r[i] = static_cast<std::uint8_t>(rand_seed + i);
  p.rand = r;
  return p;
}

std::vector<Case> make_cases() {
  std::vector<Case> cs;
  {  // The ProSe profile as specified: PRF-HMAC-SHA-256, HMAC-SHA-256-256, ID payloads, V set, lifetime.
    Case c{"profile", {}, base(0x11223344, 0x10), {}, {}};
    c.params.verify = true;
    c.params.lifetime = 86400;
    cs.push_back(std::move(c));
  }
  {  // RFC 3830 algorithms: MIKEY-1, HMAC-SHA-1-160, ID payloads, general extension.
    Case c{"rfc3830", {}, base(0x55667788, 0x40), {}, {}};
    c.profile.prf_func = 0;
    c.profile.mac_alg = 1;
    c.profile.use_idr = false;
    c.params.verify = true;
    c.params.extensions.push_back(GeneralExtPayload{0, Bytes{'p', 'r', 'o', 's', 'e'}});
    cs.push_back(std::move(c));
  }
  {  // RFC 6043 IDR payloads (still accepted on receive) with HMAC-SHA-1-160 and the all-zero PRUK ID trigger.
    Case c{"idr-sha1-trigger", {}, base(0x99aabbcc, 0x70), {}, {}};
    c.profile.mac_alg = 1;
    c.profile.use_idr = true;
    c.params.key_id = 0;
    cs.push_back(std::move(c));
  }
  {  // RFC 6043 IDR payloads with the profile's algorithms and a verification message.
    Case c{"idr-profile", {}, base(0x0badcafe, 0x90), {}, {}};
    c.profile.use_idr = true;
    c.params.verify = true;
    c.params.lifetime = 3600;
    cs.push_back(std::move(c));
  }
  for (auto& c : cs) {
    auto b = build_delivery(c.params, c.profile, kNow);
    EXPECT_TRUE(b.ok()) << b.error().to_string();
    c.built = std::move(b).value();
    if (c.params.verify) {
      ReceiverConfig rc;
      rc.accept_rfc3830_defaults = true;  // the rfc3830 case
      Receiver r(rc);
      r.add_pmk(c.params.pmk_id, c.params.pmk.clone());
      EXPECT_TRUE(r.add_key_type(c.params.key_type_id, KeyClass::kPruk).ok());
      auto o = r.open(c.built.message, kNow);
      EXPECT_TRUE(o.ok()) << o.error().to_string();
      c.r_message = *o->verification_message;
    }
  }
  return cs;
}

class MikeyTshark : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_STRNE(PROSE_TSHARK, "") << "tshark not found: run scripts/install-deps";
    cases_ = make_cases();
    PcapWriter w;
    UdpEndpoint pkmf, ue;
    pkmf.ip = {192, 0, 2, 10};
    pkmf.port = 40000;
    pkmf.mac = {0x02, 0, 0, 0, 0, 0x0a};
    ue.ip = {192, 0, 2, 20};
    ue.port = kUdpPort;
    ue.mac = {0x02, 0, 0, 0, 0, 0x14};
    std::int64_t t = unix_from_ntp(kNow);
    for (const auto& c : cases_) {
      ASSERT_TRUE(w.add_udp(pkmf, ue, c.built.message, t++).ok());
      frames_.push_back({&c, false});
      if (!c.r_message.empty()) {
        UdpEndpoint from = ue, to = pkmf;
        from.port = kUdpPort;
        to.port = kUdpPort;
        ASSERT_TRUE(w.add_udp(from, to, c.r_message, t++).ok());
        frames_.push_back({&c, true});
      }
    }
    pcap_ = (std::filesystem::path(PROSE_BINARY_DIR) / "mikey_tshark.pcap").string();
    ASSERT_TRUE(w.write_file(pcap_).ok());
  }

  std::vector<std::map<std::string, std::string>> fields(const std::vector<std::string>& names) {
    std::string cmd = std::string(PROSE_TSHARK) + " -n -r " + pcap_ + " -T fields -E separator=/t -E occurrence=a";
    for (const auto& n : names) cmd += " -e " + n;
    int st = 0;
    std::string out = run(cmd, &st);
    EXPECT_EQ(st, 0) << cmd;
    std::vector<std::map<std::string, std::string>> rows;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) {
      std::map<std::string, std::string> row;
      std::size_t start = 0;
      for (const auto& n : names) {
        std::size_t tab = line.find('\t', start);
        row[n] = line.substr(start, tab == std::string::npos ? std::string::npos : tab - start);
        start = tab == std::string::npos ? line.size() : tab + 1;
      }
      rows.push_back(row);
    }
    return rows;
  }

  struct Frame {
    const Case* c;
    bool response;
  };
  std::vector<Case> cases_;
  std::vector<Frame> frames_;
  std::string pcap_;
};

std::string csb(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", v);
  return b;
}

TEST_F(MikeyTshark, NoMalformedAndChecksumsGood) {
  int st = 0;
  std::string v = run(
      std::string(PROSE_TSHARK) + " -n -r " + pcap_ + " -V -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE", &st);
  ASSERT_EQ(st, 0);
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(v.find("Malformed"), std::string::npos) << v;
  EXPECT_EQ(v.find("malformed"), std::string::npos);
  EXPECT_EQ(v.find("Exception"), std::string::npos);
  EXPECT_EQ(v.find("[Header checksum status: Bad]"), std::string::npos);
  EXPECT_EQ(v.find("[Checksum Status: Bad]"), std::string::npos);
  EXPECT_NE(v.find("[Header checksum status: Good]"), std::string::npos);
  // Every frame is dissected as MIKEY.
  auto rows = fields({"frame.protocols"});
  ASSERT_EQ(rows.size(), frames_.size());
  for (const auto& r : rows) EXPECT_NE(r.at("frame.protocols").find("udp:mikey"), std::string::npos);
}

TEST_F(MikeyTshark, DefaultProfileSendsRfc3830IdPayloads) {
  // The first case is built with Profile{}: the settled profile (RFC 3830 ID payloads, type 6, ID type NAI).
  ASSERT_EQ(cases_.front().name, "profile");
  ASSERT_FALSE(cases_.front().profile.use_idr);
  auto rows = fields({"mikey.next_payload", "mikey.id.type", "mikey.id.data"});
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0].at("mikey.next_payload"), "5,11,6,6,1,0");
  EXPECT_EQ(rows[0].at("mikey.id.type"), "0,0");
  EXPECT_EQ(rows[0].at("mikey.id.data"), cases_.front().built.idi + "," + cases_.front().built.idr);
}

TEST_F(MikeyTshark, FieldsEqualWhatWePutIn) {
  auto rows = fields({"mikey.version",        "mikey.type",           "mikey.v.set",
                      "mikey.prf_func",       "mikey.csb_id",         "mikey.cs_count",
                      "mikey.cs_id_map_type", "mikey.t.ts_type",      "mikey.rand.data",
                      "mikey.id.data",        "mikey.id.role",        "mikey.next_payload",
                      "mikey.id.type",        "mikey.kemac.encr_alg", "mikey.kemac.key_data_len",
                      "mikey.kemac.key_data", "mikey.kemac.mac_alg",  "mikey.kemac.mac",
                      "mikey.v.auth_alg",     "mikey.v.ver_data",     "mikey.ext.data"});
  ASSERT_EQ(rows.size(), frames_.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const Case& c = *frames_[i].c;
    SCOPED_TRACE(c.name + (frames_[i].response ? " R_MESSAGE" : " I_MESSAGE"));
    EXPECT_EQ(r.at("mikey.version"), "1");
    EXPECT_EQ(r.at("mikey.csb_id"), csb(c.built.csb_id));
    EXPECT_EQ(r.at("mikey.prf_func"), std::to_string(c.profile.prf_func));
    EXPECT_EQ(r.at("mikey.cs_count"), "0");
    EXPECT_EQ(r.at("mikey.cs_id_map_type"), "2");
    EXPECT_EQ(r.at("mikey.t.ts_type"), "0");
    std::string idr_data = c.built.idr;
    if (!frames_[i].response) {
      EXPECT_EQ(r.at("mikey.type"), "0");
      EXPECT_EQ(r.at("mikey.v.set"), c.params.verify ? "1" : "0");
      EXPECT_EQ(r.at("mikey.rand.data"), to_hex(c.built.rand));
      EXPECT_EQ(r.at("mikey.id.data"), c.built.idi + "," + idr_data);
      EXPECT_EQ(r.at("mikey.id.role"), c.profile.use_idr ? "1,2" : "");
      // Payload chain: T, RAND, two ID (6) payloads by default or two IDR (14) on request, [EXT], KEMAC, end.
      const std::string ids = c.profile.use_idr ? "14,14" : "6,6";
      const std::string ext = c.params.extensions.empty() ? "" : "21,";
      EXPECT_EQ(r.at("mikey.next_payload"), "5,11," + ids + "," + ext + "1,0");
      EXPECT_EQ(r.at("mikey.id.type"), "0,0");       // NAI
      EXPECT_EQ(r.at("mikey.kemac.encr_alg"), "1");  // AES-CM-128
      EXPECT_EQ(r.at("mikey.kemac.mac_alg"), std::to_string(c.profile.mac_alg));
      auto d = decode(c.built.message);
      ASSERT_TRUE(d.ok());
      const auto* k = d->msg.find<KemacPayload>();
      EXPECT_EQ(r.at("mikey.kemac.key_data_len"), std::to_string(k->encr_data.size()));
      EXPECT_EQ(r.at("mikey.kemac.key_data"), to_hex(k->encr_data));
      if (c.profile.mac_alg == 1) {
        EXPECT_EQ(r.at("mikey.kemac.mac"), to_hex(k->mac));
      } else {
        // Wireshark 4.0 does not know RFC 6043's HMAC-SHA-256-256 (MAC alg 2): it shows "Unknown (2)" and stops
        // there without a Malformed mark. Recorded in docs/mikey.md; the MAC is checked by our own decoder.
        EXPECT_EQ(r.at("mikey.kemac.mac"), "");
      }
      if (!c.params.extensions.empty()) {
        EXPECT_EQ(r.at("mikey.ext.data"), to_hex(c.params.extensions[0].data));
      }
    } else {
      EXPECT_EQ(r.at("mikey.type"), "1");
      EXPECT_EQ(r.at("mikey.v.set"), "0");
      EXPECT_EQ(r.at("mikey.id.data"), idr_data);
      EXPECT_EQ(r.at("mikey.next_payload"), c.profile.use_idr ? "5,14,9,0" : "5,6,9,0");  // T, IDr, V
      EXPECT_EQ(r.at("mikey.v.auth_alg"), std::to_string(c.profile.mac_alg));
      auto d = decode(c.r_message);
      ASSERT_TRUE(d.ok());
      if (c.profile.mac_alg == 1) {
        EXPECT_EQ(r.at("mikey.v.ver_data"), to_hex(d->msg.find<VPayload>()->mac));
      }
    }
  }
}

}  // namespace
}  // namespace prose::mikey
