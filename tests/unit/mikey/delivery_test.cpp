// PKMF -> UE PRUK/PGK delivery: round trips and every rejection path of the UE side.
#include "prose/mikey/delivery.h"

#include <gtest/gtest.h>

#include "prose/mikey/keys.h"
#include "prose/util/hex.h"

namespace prose::mikey {
namespace {

const char* kPmk = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const char* kPruk = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf";
const Bytes kPmkId = hex_literal("c0ffee01");
const Bytes kPrukType = hex_literal("01");
const Bytes kPgkType = hex_literal("02");
const NtpTime kNow = ntp_from_unix(1767225600);  // 2026-01-01

DeliveryParams params(std::uint64_t key_id = 0x1122334455667788ULL, bool verify = false) {
  DeliveryParams p;
  p.pmk = SecretBytes(hex_literal(kPmk));
  p.pmk_id = kPmkId;
  p.key_type_id = kPrukType;
  p.key_id = key_id;
  p.key = SecretBytes(hex_literal(kPruk));
  p.pkmf_fqdn = "pkmf.example.org";
  p.ue_id = "ue1@example.org";
  p.lifetime = 86400;
  p.verify = verify;
  p.csb_id = 0x0a0b0c0d;
  p.rand = hex_literal("00112233445566778899aabbccddeeff");
  return p;
}

Receiver receiver(const char* pmk = kPmk) {
  Receiver r;
  r.add_pmk(kPmkId, SecretBytes(hex_literal(pmk)));
  r.add_key_type(kPrukType, KeyClass::kPruk);
  r.add_key_type(kPgkType, KeyClass::kPgk);
  return r;
}

BuiltDelivery build(const DeliveryParams& p, const Profile& prof = {}) {
  auto b = build_delivery(p, prof, kNow);
  EXPECT_TRUE(b.ok()) << b.error().to_string();
  return std::move(b).value();
}

TEST(MikeyDelivery, IdentityFormats) {
  EXPECT_EQ(make_idi(kPrukType, 0x1122334455667788ULL, "pkmf.example.org"), "011122334455667788@pkmf.example.org");
  EXPECT_EQ(make_idr(kPmkId, "ue1@example.org"), "c0ffee01@ue1@example.org");
  auto i = parse_idi(
      Bytes{'0', 'A', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '1', '@', 'p'});
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->prefix_hex, "0a");
  EXPECT_EQ(i->key_id, 1u);
  EXPECT_FALSE(parse_idi(Bytes{'0', '1', '@', 'p'}).ok());  // no key ID
  auto r = parse_idr(Bytes{'a', 'b', '@', 'u', '@', 'r'});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(to_hex(r->pmk_id), "ab");
  EXPECT_EQ(r->ue_id, "u@r");
  EXPECT_FALSE(parse_idr(Bytes{'x', 'y', '@', 'u'}).ok());
}

TEST(MikeyDelivery, PrukRoundTrip) {
  BuiltDelivery b = build(params());
  EXPECT_EQ(b.idi, "011122334455667788@pkmf.example.org");
  Receiver r = receiver();
  auto o = r.open(b.message, kNow + (std::uint64_t{30} << 32));
  ASSERT_TRUE(o.ok()) << o.error().to_string();
  EXPECT_EQ(o->key_class, KeyClass::kPruk);
  EXPECT_FALSE(o->key_request_trigger);
  EXPECT_EQ(o->key_id, 0x1122334455667788ULL);
  EXPECT_EQ(o->key.reveal_hex(), kPruk);
  EXPECT_EQ(o->pkmf_fqdn, "pkmf.example.org");
  EXPECT_EQ(o->ue_id, "ue1@example.org");
  EXPECT_EQ(o->pmk_id, kPmkId);
  ASSERT_TRUE(o->valid_from && o->valid_to);
  EXPECT_EQ(*o->valid_from, kNow);
  EXPECT_EQ(unix_from_ntp(*o->valid_to) - unix_from_ntp(*o->valid_from), 86400);
  EXPECT_FALSE(o->verification_message.has_value());
  EXPECT_EQ(r.replay_cache().size(), 1u);
  // The key is not in the clear on the wire.
  std::string wire = to_hex(b.message);
  EXPECT_EQ(wire.find(kPruk), std::string::npos);
}

TEST(MikeyDelivery, AllProfilesRoundTrip) {
  for (std::uint8_t prf : {0, 1}) {
    for (std::uint8_t mac : {1, 2}) {
      for (bool idr : {false, true}) {
        Profile prof;
        prof.prf_func = prf;
        prof.mac_alg = mac;
        prof.use_idr = idr;
        BuiltDelivery b = build(params(7, true), prof);
        Receiver r = receiver();
        auto o = r.open(b.message, kNow);
        ASSERT_TRUE(o.ok()) << int(prf) << int(mac) << idr << ": " << o.error().to_string();
        EXPECT_EQ(o->key.reveal_hex(), kPruk);
        ASSERT_TRUE(o->verification_message.has_value());
        ASSERT_TRUE(b.pending.has_value());
        auto v = b.pending->verify(*o->verification_message);
        EXPECT_TRUE(v.ok()) << v.error().to_string();
      }
    }
  }
}

TEST(MikeyDelivery, PgkByKeyTypeId) {
  DeliveryParams p = params(42);
  p.key_type_id = kPgkType;
  p.lifetime = 0;
  BuiltDelivery b = build(p);
  Receiver r = receiver();
  auto o = r.open(b.message, kNow);
  ASSERT_TRUE(o.ok()) << o.error().to_string();
  EXPECT_EQ(o->key_class, KeyClass::kPgk);
  EXPECT_EQ(o->key_id, 42u);
  EXPECT_FALSE(o->valid_from.has_value());
}

TEST(MikeyDelivery, AllZeroPrukIdIsAKeyRequestTrigger) {
  BuiltDelivery b = build(params(0));
  Receiver r = receiver();
  auto o = r.open(b.message, kNow);
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->key_request_trigger);
  EXPECT_EQ(o->key_id, 0u);
}

TEST(MikeyDelivery, VerificationMessage) {
  BuiltDelivery b = build(params(9, true));
  Receiver r = receiver();
  auto o = r.open(b.message, kNow);
  ASSERT_TRUE(o.ok());
  ASSERT_TRUE(o->verification_message.has_value());
  const Bytes& rm = *o->verification_message;
  auto d = decode(rm);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->msg.hdr.data_type, 1);
  EXPECT_FALSE(d->msg.hdr.v);
  EXPECT_EQ(d->msg.hdr.csb_id, 0x0a0b0c0du);
  EXPECT_EQ(d->msg.find<TPayload>()->value, kNow);
  ASSERT_TRUE(b.pending->verify(rm).ok());
  // Independently recompute the V MAC (RFC 3830 5.2 input as implemented) with the derived auth key.
  auto keys =
      derive_transport_keys(1, hex_literal(kPmk), 0x0a0b0c0d, hex_literal("00112233445566778899aabbccddeeff"), 1, 2);
  ASSERT_TRUE(keys.ok());
  Bytes tw = d->msg.find<TPayload>()->wire_value();
  auto mac = compute_mac(2, keys->auth_key.view(),
                         {v_mac_input(ByteView(rm).first(*d->mac_offset), Bytes(b.idi.begin(), b.idi.end()),
                                      Bytes(b.idr.begin(), b.idr.end()), tw)});
  ASSERT_TRUE(mac.ok());
  EXPECT_EQ(*mac, d->msg.find<VPayload>()->mac);
  // Any flipped bit is refused.
  for (std::size_t i = 0; i < rm.size() * 8; ++i) {
    Bytes bad = rm;
    bad[i / 8] ^= static_cast<std::uint8_t>(1u << (i % 8));
    EXPECT_FALSE(b.pending->verify(bad).ok()) << "bit " << i;
  }
  // A verification message for another delivery is refused.
  BuiltDelivery other = build(params(10, true));
  auto s = other.pending->verify(rm);
  ASSERT_FALSE(s.ok());
  // Same CSB ID (fixed in params) but another PMK-derived key and T: the MAC fails.
  EXPECT_TRUE(s.error().code == Errc::kAuthFailed || s.error().code == Errc::kState) << s.error().to_string();
  // An I_MESSAGE is not a verification message.
  auto wrong = b.pending->verify(b.message);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, Errc::kState);
}

TEST(MikeyDelivery, WrongPmkIsAMacFailure) {
  BuiltDelivery b = build(params());
  Receiver r = receiver("ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  auto o = r.open(b.message, kNow);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error().code, Errc::kAuthFailed);
  EXPECT_EQ(r.replay_cache().size(), 0u);
}

TEST(MikeyDelivery, UnknownPmkId) {
  DeliveryParams p = params();
  p.pmk_id = hex_literal("beef");
  BuiltDelivery b = build(p);
  Receiver r = receiver();
  auto o = r.open(b.message, kNow);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error().code, Errc::kNotFound);
  EXPECT_NE(o.error().message.find("unknown PMK ID beef"), std::string::npos);
}

TEST(MikeyDelivery, UnknownKeyTypeId) {
  DeliveryParams p = params();
  p.key_type_id = hex_literal("7777");
  BuiltDelivery b = build(p);
  Receiver r = receiver();
  auto o = r.open(b.message, kNow);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error().code, Errc::kNotFound);
  EXPECT_NE(o.error().message.find("unknown Key Type ID 7777"), std::string::npos);
  EXPECT_EQ(r.replay_cache().size(), 0u);  // nothing remembered for an invalid message
}

TEST(MikeyDelivery, ReplayIsRefused) {
  BuiltDelivery b = build(params());
  Receiver r = receiver();
  ASSERT_TRUE(r.open(b.message, kNow).ok());
  auto again = r.open(b.message, kNow + (std::uint64_t{1} << 32));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::kReplay);
  // A fresh message (new RAND) is fine.
  DeliveryParams p = params();
  p.rand = hex_literal("ffeeddccbbaa99887766554433221100");
  EXPECT_TRUE(r.open(build(p).message, kNow).ok());
}

TEST(MikeyDelivery, ClockWindow) {
  BuiltDelivery b = build(params());
  const std::uint64_t s = std::uint64_t{1} << 32;
  {
    Receiver r = receiver();
    EXPECT_TRUE(r.open(b.message, kNow + 300 * s).ok());
  }
  {
    Receiver r = receiver();
    EXPECT_TRUE(r.open(b.message, kNow - 300 * s).ok());
  }
  for (NtpTime now : {kNow + 302 * s, kNow - 302 * s, kNow + 86400 * s}) {
    Receiver r = receiver();
    auto o = r.open(b.message, now);
    ASSERT_FALSE(o.ok());
    EXPECT_EQ(o.error().code, Errc::kClockSkew) << o.error().to_string();
    EXPECT_EQ(r.replay_cache().size(), 0u);
  }
}

// Offsets of the payloads of a built message (HDR at 0).
std::vector<std::size_t> payload_starts(const Bytes& m) {
  auto d = decode(m);
  EXPECT_TRUE(d.ok());
  std::vector<std::size_t> v{0};
  v.insert(v.end(), d->offsets.begin(), d->offsets.end());
  return v;
}

Errc open_error(const Bytes& m) {
  Receiver r = receiver();
  auto o = r.open(m, kNow);
  EXPECT_FALSE(o.ok());
  EXPECT_EQ(r.replay_cache().size(), 0u);
  return o.ok() ? Errc::kInternal : o.error().code;
}

TEST(MikeyDelivery, FlippedBitInEachPayload) {
  Bytes m = build(params()).message;
  auto at = payload_starts(m);  // HDR, T, RAND, IDRi, IDRr, KEMAC
  ASSERT_EQ(at.size(), 6u);
  auto flip = [&](std::size_t off, std::uint8_t mask = 0x01) {
    Bytes x = m;
    x[off] ^= mask;
    return x;
  };
  EXPECT_EQ(open_error(flip(0)), Errc::kUnsupported);             // HDR version
  EXPECT_EQ(open_error(flip(1)), Errc::kUnsupported);             // HDR data type -> R_MESSAGE
  EXPECT_EQ(open_error(flip(5)), Errc::kAuthFailed);              // HDR CSB ID
  EXPECT_EQ(open_error(flip(at[1] + 5)), Errc::kAuthFailed);      // T value
  EXPECT_EQ(open_error(flip(at[2] + 4)), Errc::kAuthFailed);      // RAND data
  EXPECT_EQ(open_error(flip(at[3] + 10)), Errc::kAuthFailed);     // IDi data
  EXPECT_EQ(open_error(flip(at[4] + 5, 0x02)), Errc::kNotFound);  // IDr PMK ID 'c' -> 'a': unknown PMK ID
  EXPECT_EQ(open_error(flip(at[4] + 20)), Errc::kAuthFailed);     // IDr UE NAI
  EXPECT_EQ(open_error(flip(at[5] + 8)), Errc::kAuthFailed);      // KEMAC encrypted data
  EXPECT_EQ(open_error(flip(m.size() - 1)), Errc::kAuthFailed);   // KEMAC MAC
  EXPECT_EQ(open_error(flip(at[1] + 1)), Errc::kAuthFailed);      // T type NTP-UTC -> NTP: MAC checked first
}

TEST(MikeyDelivery, EveryFlippedBitIsRefusedAndChangesNothing) {
  Bytes m = build(params()).message;
  Receiver r = receiver();
  for (std::size_t i = 0; i < m.size() * 8; ++i) {
    Bytes x = m;
    x[i / 8] ^= static_cast<std::uint8_t>(1u << (i % 8));
    auto o = r.open(x, kNow);
    ASSERT_FALSE(o.ok()) << "bit " << i << " accepted";
    ASSERT_EQ(r.replay_cache().size(), 0u);
  }
  EXPECT_TRUE(r.open(m, kNow).ok());  // the original still opens: nothing was remembered
}

TEST(MikeyDelivery, TruncationAtEveryOffset) {
  Bytes m = build(params(5, true)).message;
  Receiver r = receiver();
  for (std::size_t n = 0; n < m.size(); ++n) {
    auto o = r.open(ByteView(m).first(n), kNow);
    ASSERT_FALSE(o.ok()) << n;
    EXPECT_TRUE(o.error().code == Errc::kTruncated || o.error().code == Errc::kMalformed)
        << n << " " << o.error().to_string();
    EXPECT_TRUE(o.error().offset.has_value()) << o.error().to_string();
  }
  EXPECT_EQ(r.replay_cache().size(), 0u);
}

TEST(MikeyDelivery, BuilderValidatesInput) {
  Profile prof;
  DeliveryParams p = params();
  p.key_type_id.clear();
  EXPECT_EQ(build_delivery(p, prof, kNow).error().code, Errc::kInvalidArgument);
  p = params();
  p.pkmf_fqdn = "a@b";
  EXPECT_FALSE(build_delivery(p, prof, kNow).ok());
  p = params();
  p.rand = Bytes(8, 1);
  EXPECT_FALSE(build_delivery(p, prof, kNow).ok());
  Profile nullenc;
  nullenc.encr_alg = 0;
  EXPECT_FALSE(build_delivery(params(), nullenc, kNow).ok());
  Profile nullmac;
  nullmac.mac_alg = 0;
  EXPECT_FALSE(build_delivery(params(), nullmac, kNow).ok());
  // Random CSB ID / RAND when not fixed: two messages differ.
  DeliveryParams a = params(), c = params();
  a.csb_id.reset();
  a.rand.reset();
  c.csb_id.reset();
  c.rand.reset();
  EXPECT_NE(build(a).message, build(c).message);
}

TEST(MikeyDelivery, GeneralExtensionIsCarriedAndProtected) {
  DeliveryParams p = params();
  p.extensions.push_back(GeneralExtPayload{0, Bytes{'p', 'r', 'o', 's', 'e'}});
  BuiltDelivery b = build(p);
  Receiver r = receiver();
  auto o = r.open(b.message, kNow);
  ASSERT_TRUE(o.ok()) << o.error().to_string();
  ASSERT_EQ(o->extensions.size(), 1u);
  EXPECT_EQ(o->extensions[0].data, (Bytes{'p', 'r', 'o', 's', 'e'}));
}

TEST(MikeyDelivery, NullMacAndForeignMessagesRefused) {
  // The public vendor sample (NULL MAC, SRTP) must never be accepted as a delivery.
  Bytes sample = hex_literal(
      "01000500fd6d77d0010000c20f551c000000000a0001d38e19cef95c3d0100000018000101010110020101030114070101"
      "0801010a01010b010a000000270021001edf40b9f54ac2944d1edbb50fe61fd6b72f542fcf9d7f383edadb669a8de404"
      "0000002f00");
  Receiver r = receiver();
  auto o = r.open(sample, kNow);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error().code, Errc::kMalformed);  // no RAND
}

TEST(ReplayCache, BoundedWithFloor) {
  ReplayCache c(3);
  for (std::uint64_t t = 1; t <= 5; ++t) {
    ReplayEntry e{1, t << 32, Bytes(16, static_cast<std::uint8_t>(t))};
    ASSERT_TRUE(c.check(e).ok());
    c.remember(e, 0);
  }
  EXPECT_EQ(c.size(), 3u);
  EXPECT_EQ(c.floor(), std::uint64_t{2} << 32);
  // Evicted entries are still refused thanks to the floor.
  EXPECT_EQ(c.check({1, std::uint64_t{1} << 32, Bytes(16, 1)}).error().code, Errc::kReplay);
  EXPECT_EQ(c.check({1, std::uint64_t{2} << 32, Bytes(16, 2)}).error().code, Errc::kReplay);
  EXPECT_EQ(c.check({1, std::uint64_t{5} << 32, Bytes(16, 5)}).error().code, Errc::kReplay);
  EXPECT_TRUE(c.check({1, std::uint64_t{5} << 32, Bytes(16, 6)}).ok());
  // Entries that left the clock window are dropped.
  c.remember({1, std::uint64_t{9} << 32, Bytes(16, 9)}, std::uint64_t{6} << 32);
  EXPECT_EQ(c.size(), 1u);
  auto k = ReplayEntry{7, 8, Bytes(16, 3)}.key();
  auto back = ReplayEntry::from_key(k);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->csb_id, 7u);
  EXPECT_EQ(back->t, 8u);
  EXPECT_FALSE(ReplayEntry::from_key(Bytes(12, 0)).ok());
}

TEST(MikeyDelivery, ReceiverCapacityHoldsUnderLoad) {
  ReceiverConfig cfg;
  cfg.replay_capacity = 8;
  Receiver r(cfg);
  r.add_pmk(kPmkId, SecretBytes(hex_literal(kPmk)));
  r.add_key_type(kPrukType, KeyClass::kPruk);
  for (int i = 0; i < 40; ++i) {
    DeliveryParams p = params(static_cast<std::uint64_t>(i + 1));
    p.rand = Bytes(16, static_cast<std::uint8_t>(i));
    auto b = build_delivery(p, {}, kNow + (static_cast<std::uint64_t>(i) << 32));
    ASSERT_TRUE(b.ok());
    ASSERT_TRUE(r.open(b->message, kNow + (static_cast<std::uint64_t>(i) << 32)).ok()) << i;
    EXPECT_LE(r.replay_cache().size(), 8u);
  }
}

}  // namespace
}  // namespace prose::mikey
