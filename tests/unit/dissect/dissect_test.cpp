#include "prose/dissect/dissect.h"

#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "prose/cipher/eps_algorithms.h"
#include "prose/discovery/protection.h"
#include "prose/gba/gpi.h"
#include "prose/link/security_context.h"
#include "prose/pc5/codec.h"
#include "prose/pdcp/pdcp.h"
#include "prose/util/byte_writer.h"
#include "prose/util/hex.h"

namespace prose::dissect {
namespace {

constexpr std::uint32_t kUe = 0x00b001, kRelay = 0x00aa01;
constexpr ids::KdSessId kKd{0x1a2b};
constexpr std::int64_t kNow = 1700000000;

Bytes frame(std::uint32_t src, std::uint32_t dst, ByteView pdu) {
  ByteWriter w;
  w.u24(src).u24(dst).bytes(pdu);
  return w.take();
}

keylog::LinkKeys link_keys() {
  keylog::LinkKeys k;
  k.remote_ue_l2 = ids::Layer2Id{kUe};
  k.relay_l2 = ids::Layer2Id{kRelay};
  k.kd_sess_id = kKd;
  k.eea = 2;
  k.eia = 2;
  k.pek = SecretBytes(hex_literal("000102030405060708090a0b0c0d0e0f"));
  k.pik = SecretBytes(hex_literal("f0e0d0c0b0a090807060504030201000"));
  return k;
}

keylog::File with_link() {
  keylog::File f;
  f.links.push_back(link_keys());
  return f;
}

// A PC5 signalling PDU protected as the link machines do (SessionContext: bearer 0, DIRECTION by sender).
Bytes protect(const pc5::Message& m, pdcp::ProtectionMode mode, std::uint32_t count, std::uint8_t direction,
              ids::KdSessId kd = kKd) {
  auto wire = pc5::encode(m);
  EXPECT_TRUE(wire.ok());
  auto k = link_keys();
  pdcp::KeyView kv{cipher::Eea::kEea2, cipher::Eia::kEia2, k.pek.view(), k.pik.view()};
  auto pdu = pdcp::protect_pdu(cipher::portable_backend(), kv, mode, pdcp::SduType::kPc5Signalling, kd,
                               pdcp::PduParams{count, 0, direction}, *wire);
  EXPECT_TRUE(pdu.ok());
  return *pdu;
}

Bytes user_data(ByteView sdu, std::uint32_t count, std::uint8_t direction, pdcp::SduType type = pdcp::SduType::kIp) {
  auto k = link_keys();
  pdcp::KeyView kv{cipher::Eea::kEea2, cipher::Eia::kEia2, k.pek.view(), k.pik.view()};
  auto bearer = pdcp::bearer_for_lcid(link::kUserDataLcid);
  auto pdu = pdcp::protect_pdu(cipher::portable_backend(), kv, pdcp::ProtectionMode{false, true}, type, kKd,
                               pdcp::PduParams{count, *bearer, direction}, sdu);
  EXPECT_TRUE(pdu.ok());
  return *pdu;
}

pc5::Message dsmc(std::optional<Bytes> gpi = std::nullopt) {
  pc5::DirectSecurityModeCommand m;
  m.sequence_number = 2;
  m.ue_security_capabilities.add_eea(1).add_eea(2).add_eia(1).add_eia(2);
  m.nonce_2.fill(0x22);
  m.chosen_algorithms = {2, 2};
  m.lsb_of_kd_sess_id = 0x2b;
  m.msb_of_kd_id = 0x1234;
  m.gpi = std::move(gpi);
  return m;
}

pc5::Message dsm_complete() {
  pc5::DirectSecurityModeComplete m;
  m.sequence_number = 3;
  m.lsb_of_kd_id = 0x5678;
  return m;
}

void walk(const std::vector<Node>& nodes, const std::function<void(const Node&)>& f) {
  for (const auto& n : nodes) {
    f(n);
    walk(n.children, f);
  }
}
const Node* find(const Result& r, Field field) {
  const Node* out = nullptr;
  walk(r.tree, [&](const Node& n) {
    if (!out && n.field == field) out = &n;
  });
  return out;
}
std::vector<Expert> flags(const Result& r) {
  std::vector<Expert> out;
  walk(r.tree, [&](const Node& n) {
    for (const auto& f : n.flags) out.push_back(f.id);
  });
  return out;
}
std::size_t count_flag(const Result& r, Expert e) {
  std::size_t n = 0;
  for (auto x : flags(r)) n += x == e;
  return n;
}
// Every node lies inside its buffer (what keeps the plugin from reading past a tvb).
void expect_in_bounds(const Result& r, ByteView frame) {
  walk(r.tree, [&](const Node& n) {
    const std::size_t size = n.buffer == 0 ? frame.size() : r.buffers.at(n.buffer - 1).data.size();
    EXPECT_LE(n.offset + n.length, size) << field_info(n.field == Field::kCount_ ? Field::kSlSrc : n.field).abbrev;
  });
}

TEST(Dissect, TablesAreConsistent) {
  std::set<std::string> names;
  for (std::size_t i = 0; i < kFields.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(kFields[i].id), i) << kFields[i].abbrev;
    const std::string prefix = std::string(kProtos[static_cast<std::size_t>(kFields[i].proto)].filter) + ".";
    EXPECT_EQ(std::string(kFields[i].abbrev).rfind(prefix, 0), 0u) << kFields[i].abbrev;
    EXPECT_TRUE(names.insert(kFields[i].abbrev).second) << kFields[i].abbrev;
  }
  for (std::size_t i = 0; i < kExperts.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(kExperts[i].id), i);
    EXPECT_TRUE(names.insert(kExperts[i].abbrev).second) << kExperts[i].abbrev;
  }
}

TEST(Dissect, UnprotectedDcrNeedsNoKeys) {
  pc5::DirectCommunicationRequest m;
  m.sequence_number = 1;
  m.user_info = pc5::UserInfo::from_imsi("001010000000102");
  m.maximum_inactivity_period = 3600;
  m.nonce_1.fill(0x11);
  m.ue_security_capabilities.add_eea(2).add_eia(2);
  m.msb_of_kd_sess_id = 0x1a;
  m.relay_service_code = ids::RelayServiceCode{0xabcd};
  Bytes f = frame(kUe, kRelay, pdcp::encode_unprotected(pdcp::SduType::kPc5Signalling, 0, *pc5::encode(m)));
  Dissector d;
  Result r = d.dissect_sidelink({1, kNow, f});
  EXPECT_TRUE(flags(r).empty());
  ASSERT_NE(find(r, Field::kPc5sMsgType), nullptr);
  EXPECT_EQ(find(r, Field::kPc5sMsgType)->value, 0x01u);
  EXPECT_EQ(find(r, Field::kPc5sImsi)->text, "001010000000102");
  EXPECT_EQ(find(r, Field::kPc5sRsc)->value, 0xabcdu);
  EXPECT_EQ(find(r, Field::kPc5sMaxInactivity)->value, 3600u);
  EXPECT_EQ(find(r, Field::kPdcpKdSessId)->value, 0u);
  EXPECT_EQ(r.protocol, "PC5-S");
  EXPECT_NE(r.info.find("DIRECT_COMMUNICATION_REQUEST (seq 1)"), std::string::npos) << r.info;
  expect_in_bounds(r, f);
}

TEST(Dissect, ProtectedSignallingIsDecryptedWithTheKeyLogAndCountsFollow) {
  Dissector d;
  d.set_keys(with_link());
  // Relay -> UE: DSMC integrity only (COUNT 0, DIRECTION 1); UE -> relay: DSM Complete (COUNT 0, DIRECTION 0).
  Bytes f1 = frame(kRelay, kUe, protect(dsmc(), link::kModeIntegrity, 0, 1));
  Bytes f2 = frame(kUe, kRelay, protect(dsm_complete(), link::kModeIntegrityCiphering, 0, 0));
  Bytes f3 = frame(kUe, kRelay, protect(dsm_complete(), link::kModeIntegrityCiphering, 1, 0));
  Result r1 = d.dissect_sidelink({1, kNow, f1});
  EXPECT_TRUE(flags(r1).empty());
  EXPECT_EQ(find(r1, Field::kPdcpMacOk)->value, 1u);
  EXPECT_EQ(find(r1, Field::kPdcpCiphered)->value, 0u);
  EXPECT_EQ(find(r1, Field::kPdcpDirection)->value, 1u);
  EXPECT_EQ(find(r1, Field::kPc5sMsgType)->value, 0x0cu);
  EXPECT_EQ(find(r1, Field::kPc5sChosenEea)->value, 2u);
  EXPECT_EQ(find(r1, Field::kPc5sMsbKdId)->value, 0x1234u);
  expect_in_bounds(r1, f1);
  Result r2 = d.dissect_sidelink({2, kNow, f2});
  EXPECT_TRUE(flags(r2).empty());
  EXPECT_EQ(find(r2, Field::kPdcpCiphered)->value, 1u);
  EXPECT_EQ(find(r2, Field::kPc5sLsbKdId)->value, 0x5678u);
  ASSERT_EQ(r2.buffers.size(), 1u);
  EXPECT_EQ(r2.buffers[0].data, *pc5::encode(dsm_complete()));
  Result r3 = d.dissect_sidelink({3, kNow, f3});
  EXPECT_EQ(find(r3, Field::kPdcpCount)->value, 1u);
  // Dissecting a frame again (the GUI does) gives the same answer, not a replay.
  Result again = d.dissect_sidelink({2, kNow, f2});
  EXPECT_TRUE(flags(again).empty());
  EXPECT_EQ(find(again, Field::kPdcpCount)->value, 0u);
}

TEST(Dissect, OneFlippedBitIsExactlyOneMacIncorrect) {
  Dissector d;
  d.set_keys(with_link());
  Bytes good = frame(kUe, kRelay, protect(dsm_complete(), link::kModeIntegrityCiphering, 0, 0));
  Bytes bad = good;
  bad[6 + 6] ^= 0x01;  // inside the ciphered message
  Result r = d.dissect_sidelink({1, kNow, bad});
  EXPECT_EQ(count_flag(r, Expert::kMacIncorrect), 1u);
  EXPECT_EQ(find(r, Field::kPdcpMacOk)->value, 0u);
  expect_in_bounds(r, bad);
  // The receive state did not move: the genuine PDU still verifies at COUNT 0.
  Result ok = d.dissect_sidelink({2, kNow, good});
  EXPECT_TRUE(flags(ok).empty());
  EXPECT_EQ(find(ok, Field::kPdcpCount)->value, 0u);
}

TEST(Dissect, AReplayedPduIsFlagged) {
  Dissector d;
  d.set_keys(with_link());
  Bytes f = frame(kUe, kRelay, protect(dsm_complete(), link::kModeIntegrityCiphering, 5, 0));
  EXPECT_TRUE(flags(d.dissect_sidelink({1, kNow, f})).empty());
  Result r = d.dissect_sidelink({2, kNow, f});
  EXPECT_EQ(count_flag(r, Expert::kReplay), 1u);
  EXPECT_EQ(count_flag(r, Expert::kMacIncorrect), 0u);
  EXPECT_EQ(find(r, Field::kPc5sMsgType)->value, 0x0du);  // still shown in clear
}

TEST(Dissect, WithoutKeysEveryHeaderIsStillShown) {
  Dissector d;
  Bytes f = frame(kUe, kRelay, protect(dsm_complete(), link::kModeIntegrityCiphering, 0, 0));
  Result r = d.dissect_sidelink({1, kNow, f});
  EXPECT_EQ(find(r, Field::kSlSrc)->value, kUe);
  EXPECT_EQ(find(r, Field::kPdcpKdSessId)->value, kKd.value);
  EXPECT_EQ(find(r, Field::kPdcpSn)->value, 0u);
  EXPECT_NE(find(r, Field::kPdcpMacI), nullptr);
  EXPECT_EQ(find(r, Field::kPc5sMsgType), nullptr);
  EXPECT_EQ(flags(r), std::vector<Expert>{Expert::kNoKeys});
  // Keys of another link (other KD-sess ID) do not apply.
  d.set_keys(with_link());
  Bytes other = frame(kUe, kRelay, protect(dsm_complete(), link::kModeIntegrityCiphering, 0, 0, ids::KdSessId{0x0101}));
  EXPECT_EQ(flags(d.dissect_sidelink({2, kNow, other})), std::vector<Expert>{Expert::kNoKeys});
}

TEST(Dissect, UserDataIsDeciphered) {
  Dissector d;
  d.set_keys(with_link());
  const std::string hello = "hello from an application behind ue1";
  Bytes f = frame(kUe, kRelay, user_data(Bytes(hello.begin(), hello.end()), 0, 0));
  Result r = d.dissect_sidelink({1, kNow, f});
  EXPECT_EQ(r.handoff, Handoff::kData);  // SDU type IP, but no IP packet: data, with a note
  EXPECT_EQ(flags(r), std::vector<Expert>{Expert::kNotIp});
  ASSERT_EQ(r.buffers.size(), 1u);
  EXPECT_EQ(std::string(r.buffers[0].data.begin(), r.buffers[0].data.end()), hello);
  EXPECT_EQ(find(r, Field::kPdcpBearer)->value, 1u);
  // An IPv4 packet goes to IP.
  Bytes ip = hex_literal("4500001c0000000040110000c0a80001c0a80002d431d43100080000");
  Result r2 = d.dissect_sidelink({2, kNow, frame(kRelay, kUe, user_data(ip, 0, 1))});
  EXPECT_EQ(r2.handoff, Handoff::kIp);
  EXPECT_TRUE(flags(r2).empty());
}

TEST(Dissect, GpiInADsmcIsDissected) {
  gba::Gpi g;
  g.p_tid = 0x0102030405060708;
  g.rand = Bytes(16, 0xaa);
  g.autn = Bytes(16, 0xbb);
  g.naf_id = Bytes{'p', 'k', 'm', 'f', 0x01, 0x00, 0x00, 0x01, 0x0a};
  g.key_lifetime = 3600;
  g.mac = Bytes(32, 0xcc);
  auto gpi = gba::encode_gpi(g);
  ASSERT_TRUE(gpi.ok()) << gpi.error().to_string();
  Dissector d;
  d.set_keys(with_link());
  Bytes f = frame(kRelay, kUe, protect(dsmc(*gpi), link::kModeIntegrity, 0, 1));
  Result r = d.dissect_sidelink({1, kNow, f});
  EXPECT_TRUE(flags(r).empty());
  ASSERT_NE(find(r, Field::kGpiPTid), nullptr);
  EXPECT_EQ(find(r, Field::kGpiPTid)->value, 0x0102030405060708u);
  EXPECT_EQ(find(r, Field::kGpiKeyLifetime)->value, 3600u);
  EXPECT_EQ(find(r, Field::kGpiNafId)->text, "pkmf || Ua security protocol 010000010a");
  Result alone = d.dissect_gpi(*gpi);
  EXPECT_TRUE(flags(alone).empty());
  EXPECT_EQ(find(alone, Field::kGpiPTid)->value, 0x0102030405060708u);
}

TEST(Dissect, TruncatedAndUnknownAreFlaggedNotFatal) {
  Dissector d;
  Bytes dcr = pdcp::encode_unprotected(pdcp::SduType::kPc5Signalling, 0, hex_literal("0100010901"));
  Result r = d.dissect_sidelink({1, kNow, frame(kUe, kRelay, dcr)});
  EXPECT_GE(count_flag(r, Expert::kTruncated), 1u);
  Bytes unknown = pdcp::encode_unprotected(pdcp::SduType::kPc5Signalling, 0, hex_literal("0900010203"));
  Result u = d.dissect_sidelink({2, kNow, frame(kUe, kRelay, unknown)});
  EXPECT_EQ(count_flag(u, Expert::kUnknownMessageType), 1u);
  Result tiny = d.dissect_sidelink({3, kNow, hex_literal("00b001")});
  EXPECT_EQ(count_flag(tiny, Expert::kTruncated), 1u);
}

TEST(Dissect, ProtectedDiscoveryOpensWithTheKeyLog) {
  keylog::DiscoveryKeys lk;
  lk.relay_service_code = ids::RelayServiceCode{0xabcd};
  lk.eea = 2;
  lk.duik = SecretBytes(hex_literal("1111111111111111111111111111111111111111111111111111111111111111"));
  lk.dusk = SecretBytes(hex_literal("2222222222222222222222222222222222222222222222222222222222222222"));
  lk.duck = SecretBytes(hex_literal("3333333333333333333333333333333333333333333333333333333333333333"));
  discovery::DiscoveryKeys k;
  k.duik = lk.duik.clone();
  k.dusk = lk.dusk.clone();
  k.duck = lk.duck.clone();
  k.eea = cipher::Eea::kEea2;
  discovery::DiscoveryMessage m;
  m.type = discovery::MessageType::kAnnouncement;
  m.relay_service_code = 0xabcd;
  m.user_info_id = kRelay;
  m.l2_id = kRelay;
  auto pdu = discovery::protect(m, k, discovery::utc_counter(kNow));
  ASSERT_TRUE(pdu.ok());
  Bytes f = frame(kRelay, 0xffffff, *pdu);
  Dissector without;
  Result r0 = without.dissect_sidelink({1, kNow, f});
  EXPECT_EQ(flags(r0), std::vector<Expert>{Expert::kNoKeys});
  EXPECT_NE(find(r0, Field::kDiscCounterLsb), nullptr);
  Dissector d;
  keylog::File keys;
  keys.discovery.push_back(std::move(lk));
  d.set_keys(std::move(keys));
  Result r = d.dissect_sidelink({1, kNow + 3, f});  // a few seconds later: the counter comes from the LSB
  EXPECT_TRUE(flags(r).empty());
  EXPECT_EQ(find(r, Field::kDiscMicOk)->value, 1u);
  EXPECT_EQ(find(r, Field::kDiscType)->value, 0x91u);
  EXPECT_EQ(find(r, Field::kDiscL2Id)->value, kRelay);
  EXPECT_EQ(find(r, Field::kDiscCounter)->value, discovery::utc_counter(kNow));
  expect_in_bounds(r, f);
}

// A Model B discovery response is unicast and 29 octets, like some PDCP PDUs, and its first octet is scrambled:
// when that octet also reads as a PDCP header and no key opens it, the link decides. Before the pair's first
// unprotected PC5 signalling (the DCR) it is discovery, after it PDCP; the decision is kept per frame.
TEST(Dissect, AUnicastDiscoveryResponseWithoutKeysIsDiscoveryUntilTheLinkStarts) {
  discovery::DiscoveryKeys k;
  k.duik = SecretBytes(Bytes(32, 0x11));
  k.dusk = SecretBytes(Bytes(32, 0x22));
  k.duck = SecretBytes(Bytes(32, 0x33));
  k.eea = cipher::Eea::kEea2;
  discovery::DiscoveryMessage m;
  m.type = discovery::MessageType::kResponse;
  m.relay_service_code = 0xabcd;
  m.user_info_id = kRelay;
  m.l2_id = kRelay;
  Bytes pdu;  // the scrambling follows the UTC-based counter: about 1 counter in 64 gives such an octet
  for (std::uint32_t counter = discovery::utc_counter(kNow);
       pdu.empty() && counter < discovery::utc_counter(kNow) + 100000; ++counter) {
    auto p = discovery::protect(m, k, counter);
    ASSERT_TRUE(p.ok());
    if (((*p)[0] >> 5) <= pdcp::kMaxSduType && ((*p)[0] & pdcp::kReservedBitsMask) == 0) pdu = *p;
  }
  ASSERT_EQ(pdu.size(), 29u);
  const Bytes response = frame(kRelay, kUe, pdu);
  ASSERT_TRUE(looks_like_sidelink(response));
  Dissector d;
  Result before = d.dissect_sidelink({1, kNow, response});
  EXPECT_EQ(before.protocol, "ProSe Discovery");
  EXPECT_NE(find(before, Field::kDiscCounterLsb), nullptr);
  EXPECT_EQ(find(before, Field::kPdcpSn), nullptr);
  pc5::DirectCommunicationRequest dcr;
  dcr.sequence_number = 1;
  dcr.user_info = pc5::UserInfo::from_imsi("001010000000102");
  dcr.nonce_1.fill(0x11);
  dcr.ue_security_capabilities.add_eea(2).add_eia(2);
  dcr.relay_service_code = ids::RelayServiceCode{0xabcd};
  d.dissect_sidelink(
      {2, kNow, frame(kUe, kRelay, pdcp::encode_unprotected(pdcp::SduType::kPc5Signalling, 0, *pc5::encode(dcr)))});
  Result after = d.dissect_sidelink({3, kNow, response});
  EXPECT_EQ(after.protocol, "ProSe PDCP");
  EXPECT_NE(find(after, Field::kPdcpSn), nullptr);
  Result again = d.dissect_sidelink({1, kNow, response});  // Wireshark's GUI dissects frame 1 again
  EXPECT_EQ(again.protocol, "ProSe Discovery");
}

TEST(Dissect, HeuristicAcceptsTheAgentsFramesOnly) {
  Bytes dcr = frame(kUe, kRelay, pdcp::encode_unprotected(pdcp::SduType::kPc5Signalling, 0, hex_literal("01000109")));
  EXPECT_TRUE(looks_like_sidelink(dcr));
  EXPECT_TRUE(looks_like_sidelink(frame(kUe, kRelay, protect(dsm_complete(), link::kModeIntegrityCiphering, 0, 0))));
  EXPECT_TRUE(looks_like_sidelink(frame(kRelay, 0xffffff, Bytes(29, 0x5a))));
  EXPECT_FALSE(looks_like_sidelink(frame(kRelay, 0xffffff, Bytes(12, 0x5a))));
  EXPECT_FALSE(looks_like_sidelink(frame(kUe, kRelay, hex_literal("ff000100010203040506"))));  // SDU type 7
  EXPECT_FALSE(looks_like_sidelink(hex_literal("00b00100aa01")));
  EXPECT_FALSE(looks_like_sidelink(
      frame(kUe, kRelay, pdcp::encode_unprotected(pdcp::SduType::kPc5Signalling, 0, hex_literal("7f0001")))));
}

}  // namespace
}  // namespace prose::dissect
