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
const Bytes kPrukType = hex_literal("00000001");
const Bytes kPgkType = hex_literal("00000002");
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

Receiver receiver(const char* pmk = kPmk, bool accept_rfc3830_defaults = false) {
  ReceiverConfig cfg;
  cfg.accept_rfc3830_defaults = accept_rfc3830_defaults;
  Receiver r(cfg);
  r.add_pmk(kPmkId, SecretBytes(hex_literal(pmk)));
  EXPECT_TRUE(r.add_key_type(kPrukType, KeyClass::kPruk).ok());
  EXPECT_TRUE(r.add_key_type(kPgkType, KeyClass::kPgk).ok());
  return r;
}

BuiltDelivery build(const DeliveryParams& p, const Profile& prof = {}) {
  auto b = build_delivery(p, prof, kNow);
  EXPECT_TRUE(b.ok()) << b.error().to_string();
  return std::move(b).value();
}

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

TEST(MikeyDelivery, IdentityFormats) {
  EXPECT_EQ(make_idi(kPrukType, 0x1122334455667788ULL, "pkmf.example.org"),
            "000000011122334455667788@pkmf.example.org");
  EXPECT_EQ(make_idr(kPmkId, "ue1@example.org"), "c0ffee01@ue1@example.org");
  auto i = parse_idi(text("0000000A0000000000000001@p"));
  ASSERT_TRUE(i.ok()) << i.error().to_string();
  EXPECT_EQ(to_hex(i->key_type_id), "0000000a");
  EXPECT_EQ(i->key_id, 1u);
  EXPECT_EQ(i->fqdn, "p");
  EXPECT_FALSE(parse_idi(text("01@p")).ok());  // no key ID
  auto r = parse_idr(Bytes{'a', 'b', '@', 'u', '@', 'r'});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(to_hex(r->pmk_id), "ab");
  EXPECT_EQ(r->ue_id, "u@r");
  EXPECT_FALSE(parse_idr(Bytes{'x', 'y', '@', 'u'}).ok());
}

TEST(MikeyDelivery, PrukRoundTrip) {
  BuiltDelivery b = build(params());
  EXPECT_EQ(b.idi, "000000011122334455667788@pkmf.example.org");
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
        Receiver r = receiver(kPmk, /*accept_rfc3830_defaults=*/true);
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
  BuiltDelivery b = build(params(0, true));
  Receiver r = receiver();
  auto o = r.open(b.message, kNow);
  ASSERT_TRUE(o.ok()) << o.error().to_string();
  EXPECT_TRUE(o->key_request_trigger);
  EXPECT_EQ(o->key_id, 0u);
  // The MAC was verified (a verification message is built), but the key is discarded: the caller never gets it.
  EXPECT_TRUE(o->key.empty());
  ASSERT_TRUE(o->verification_message.has_value());
  EXPECT_TRUE(b.pending->verify(*o->verification_message).ok());
  // A trigger with a wrong MAC is refused like any other message.
  Bytes bad = b.message;
  bad.back() ^= 1;
  EXPECT_EQ(receiver().open(bad, kNow).error().code, Errc::kAuthFailed);
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
  p.key_type_id = hex_literal("77777777");
  BuiltDelivery b = build(p);
  Receiver r = receiver();
  auto o = r.open(b.message, kNow);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error().code, Errc::kNotFound);
  EXPECT_NE(o.error().message.find("unknown Key Type ID 77777777"), std::string::npos);
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
  auto at = payload_starts(m);  // HDR, T, RAND, IDi, IDr, KEMAC
  ASSERT_EQ(at.size(), 6u);
  auto flip = [&](std::size_t off, std::uint8_t mask = 0x01) {
    Bytes x = m;
    x[off] ^= mask;
    return x;
  };
  EXPECT_EQ(open_error(flip(0)), Errc::kUnsupported);             // HDR version
  EXPECT_EQ(open_error(flip(1)), Errc::kUnsupported);             // HDR data type -> R_MESSAGE
  EXPECT_EQ(open_error(flip(3)), Errc::kUnsupported);             // HDR PRF func -> MIKEY-1: refused
  EXPECT_EQ(open_error(flip(5)), Errc::kAuthFailed);              // HDR CSB ID
  EXPECT_EQ(open_error(flip(at[1] + 5)), Errc::kAuthFailed);      // T value
  EXPECT_EQ(open_error(flip(at[2] + 4)), Errc::kAuthFailed);      // RAND data
  EXPECT_EQ(open_error(flip(at[3] + 10)), Errc::kAuthFailed);     // IDi data
  EXPECT_EQ(open_error(flip(at[4] + 4, 0x02)), Errc::kNotFound);  // IDr PMK ID 'c' -> 'a': unknown PMK ID
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

// ---- settled profile items (profile.md section 4, checked against RFC 3830) ------------------------------------

// The NTP value as 8 octets, big-endian (written out here, not with the code under test).
Bytes ntp8(NtpTime t) {
  Bytes b;
  for (int i = 7; i >= 0; --i) b.push_back(static_cast<std::uint8_t>(t >> (8 * i)));
  return b;
}

std::vector<PayloadType> payload_types(const Message& m) {
  std::vector<PayloadType> v;
  for (const auto& p : m.payloads) v.push_back(payload_type(p));
  return v;
}

// An I_MESSAGE put together here from the RFC 3830 pieces (not with build_delivery) with a valid KEMAC MAC for the
// default receiver, so that the checks after the MAC see values build_delivery refuses to produce.
struct Forge {
  std::string idi = "000000011122334455667788@pkmf.example.org";
  std::string idr = "c0ffee01@ue1@example.org";
  std::uint8_t kv = 0;  // KvType
  Bytes valid_from, valid_to;
};

Bytes forge(const Forge& f) {
  const std::uint32_t csb = 0x01020304;
  const Bytes rand = hex_literal("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
  auto keys = derive_transport_keys(1, hex_literal(kPmk), csb, rand, 1, 2);
  EXPECT_TRUE(keys.ok());
  std::vector<KeyData> kd(1);
  kd[0].type = static_cast<std::uint8_t>(KeyDataType::kTgk);
  kd[0].kv = f.kv;
  kd[0].key = SecretBytes(hex_literal(kPruk));
  kd[0].valid_from = f.valid_from;
  kd[0].valid_to = f.valid_to;
  auto plain = encode_key_data(kd);
  auto iv = kemac_iv(keys->salt_key.view(), csb, kNow);
  EXPECT_TRUE(plain.ok() && iv.ok());
  Message m;
  m.hdr.data_type = static_cast<std::uint8_t>(DataType::kPskInit);
  m.hdr.prf_func = static_cast<std::uint8_t>(PrfFunc::kHmacSha256);
  m.hdr.csb_id = csb;
  m.hdr.map_type = static_cast<std::uint8_t>(CsIdMapType::kGenericId);
  m.payloads.push_back(TPayload{static_cast<std::uint8_t>(TsType::kNtpUtc), kNow});
  m.payloads.push_back(RandPayload{rand});
  m.payloads.push_back(IdPayload{static_cast<std::uint8_t>(IdType::kNai), text(f.idi)});
  m.payloads.push_back(IdPayload{static_cast<std::uint8_t>(IdType::kNai), text(f.idr)});
  KemacPayload k;
  k.encr_alg = static_cast<std::uint8_t>(EncrAlg::kAesCm128);
  k.encr_data = aes_cm_128(keys->encr_key.view(), *iv, plain->view()).value();
  k.mac_alg = static_cast<std::uint8_t>(MacAlg::kHmacSha256_256);
  k.mac.assign(32, 0);
  m.payloads.push_back(k);
  Bytes out = encode(m).value();
  const std::size_t at = out.size() - 32;
  Bytes mac = compute_mac(k.mac_alg, keys->auth_key.view(), {ByteView(out).first(at)}).value();
  std::copy(mac.begin(), mac.end(), out.begin() + static_cast<std::ptrdiff_t>(at));
  return out;
}

TEST(MikeyDelivery, ForgedReferenceMessageOpens) {
  // The helper's message is valid as it stands: the refusals below come from the one field each test changes.
  Receiver r = receiver();
  auto o = r.open(forge({}), kNow);
  ASSERT_TRUE(o.ok()) << o.error().to_string();
  EXPECT_EQ(o->key.reveal_hex(), kPruk);
  EXPECT_EQ(o->key_id, 0x1122334455667788ULL);
}

TEST(MikeyDelivery, DefaultProfileUsesRfc3830IdPayloads) {
  BuiltDelivery b = build(params(9, true));
  auto d = decode(b.message);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(payload_types(d->msg), (std::vector<PayloadType>{PayloadType::kT, PayloadType::kRand, PayloadType::kId,
                                                             PayloadType::kId, PayloadType::kKemac}));
  const auto& idi = std::get<IdPayload>(d->msg.payloads[2]);
  const auto& idr = std::get<IdPayload>(d->msg.payloads[3]);
  EXPECT_EQ(idi.id_type, static_cast<std::uint8_t>(IdType::kNai));
  EXPECT_EQ(idi.data, text(b.idi));
  EXPECT_EQ(idr.id_type, static_cast<std::uint8_t>(IdType::kNai));
  EXPECT_EQ(idr.data, text(b.idr));
  // The verification message answers in the same form: HDR, T, ID (IDr), V.
  Receiver r = receiver();
  auto o = r.open(b.message, kNow);
  ASSERT_TRUE(o.ok()) << o.error().to_string();
  auto rd = decode(*o->verification_message);
  ASSERT_TRUE(rd.ok());
  EXPECT_EQ(payload_types(rd->msg), (std::vector<PayloadType>{PayloadType::kT, PayloadType::kId, PayloadType::kV}));
  EXPECT_EQ(std::get<IdPayload>(rd->msg.payloads[1]).data, text(b.idr));
  EXPECT_TRUE(b.pending->verify(*o->verification_message).ok());
}

TEST(MikeyDelivery, IdrPayloadsStillAcceptedOnReceive) {
  Profile prof;
  prof.use_idr = true;
  BuiltDelivery b = build(params(9, true), prof);
  auto d = decode(b.message);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(payload_types(d->msg), (std::vector<PayloadType>{PayloadType::kT, PayloadType::kRand, PayloadType::kIdr,
                                                             PayloadType::kIdr, PayloadType::kKemac}));
  EXPECT_EQ(std::get<IdrPayload>(d->msg.payloads[2]).role, static_cast<std::uint8_t>(IdRole::kInitiator));
  EXPECT_EQ(std::get<IdrPayload>(d->msg.payloads[3]).role, static_cast<std::uint8_t>(IdRole::kResponder));
  Receiver r = receiver();
  auto o = r.open(b.message, kNow);
  ASSERT_TRUE(o.ok()) << o.error().to_string();
  EXPECT_EQ(o->key.reveal_hex(), kPruk);
  auto rd = decode(*o->verification_message);
  ASSERT_TRUE(rd.ok());
  EXPECT_EQ(payload_types(rd->msg), (std::vector<PayloadType>{PayloadType::kT, PayloadType::kIdr, PayloadType::kV}));
  EXPECT_TRUE(b.pending->verify(*o->verification_message).ok());
}

TEST(MikeyDelivery, KeyTypeIdIsExactly32BitsOnBothSides) {
  // PKMF side: the builder refuses any other length.
  for (std::size_t n : {1, 2, 3, 5, 8, 16}) {
    DeliveryParams p = params();
    p.key_type_id = Bytes(n, 0x11);
    auto b = build_delivery(p, {}, kNow);
    ASSERT_FALSE(b.ok()) << n;
    EXPECT_EQ(b.error().code, Errc::kInvalidArgument);
    EXPECT_NE(b.error().message.find("Key Type ID must be 4 octets"), std::string::npos) << b.error().message;
  }
  // UE side: a stored Key Type ID has 32 bits ...
  Receiver r;
  EXPECT_EQ(r.add_key_type(hex_literal("01"), KeyClass::kPruk).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(r.add_key_type(hex_literal("0000000001"), KeyClass::kPruk).error().code, Errc::kInvalidArgument);
  // ... and an IDi whose Key Type ID is not 8 hex digits is refused, even with a valid MAC.
  for (const char* idi : {"011122334455667788@pkmf.example.org", "0000001122334455667788@pkmf.example.org",
                          "00000000011122334455667788@pkmf.example.org", "0000000g1122334455667788@pkmf.example.org"}) {
    Forge f;
    f.idi = idi;
    Receiver ue = receiver();
    auto o = ue.open(forge(f), kNow);
    ASSERT_FALSE(o.ok()) << idi;
    EXPECT_EQ(o.error().code, Errc::kMalformed) << o.error().to_string();
    EXPECT_NE(o.error().message.find("32-bit Key Type ID"), std::string::npos) << o.error().message;
    EXPECT_EQ(ue.replay_cache().size(), 0u);
  }
}

TEST(MikeyDelivery, Rfc3830DefaultsRefusedUnlessConfigured) {
  struct Case {
    std::uint8_t prf, mac;
    const char* refused;
    std::size_t offset_from_end;  // 0: the HDR PRF octet (offset 3)
  };
  for (const Case& c : {Case{0, 2, "PRF func MIKEY-1", 0}, Case{1, 1, "MAC alg HMAC-SHA-1-160", 21},
                        Case{0, 1, "PRF func MIKEY-1", 0}}) {
    SCOPED_TRACE(c.refused);
    Profile prof;
    prof.prf_func = c.prf;
    prof.mac_alg = c.mac;
    BuiltDelivery b = build(params(9, true), prof);
    Receiver strict = receiver();
    auto o = strict.open(b.message, kNow);
    ASSERT_FALSE(o.ok());
    EXPECT_EQ(o.error().code, Errc::kUnsupported);
    EXPECT_NE(o.error().message.find(c.refused), std::string::npos) << o.error().message;
    EXPECT_NE(o.error().message.find("accept_rfc3830_defaults"), std::string::npos) << o.error().message;
    EXPECT_EQ(o.error().offset, c.offset_from_end ? b.message.size() - c.offset_from_end : 3u);
    EXPECT_EQ(strict.replay_cache().size(), 0u);
    // Told to accept them, the UE opens the same message.
    Receiver lenient = receiver(kPmk, /*accept_rfc3830_defaults=*/true);
    auto l = lenient.open(b.message, kNow);
    ASSERT_TRUE(l.ok()) << l.error().to_string();
    EXPECT_EQ(l->key.reveal_hex(), kPruk);
    EXPECT_TRUE(b.pending->verify(*l->verification_message).ok());
  }
  // The profile's algorithms need no switch.
  Receiver r = receiver();
  EXPECT_TRUE(r.open(build(params()).message, kNow).ok());
}

TEST(MikeyDelivery, KeyValidityIsIntervalFromT) {
  // PKMF side, read back independently: decrypt the KEMAC and decode the key data. T has a fraction on purpose.
  const NtpTime t = kNow | 0x12345678ULL;
  for (std::uint32_t lifetime : {1u, 86400u, 0xffffffffu, 0u}) {
    SCOPED_TRACE(lifetime);
    DeliveryParams p = params();
    p.lifetime = lifetime;
    auto b = build_delivery(p, {}, t);
    ASSERT_TRUE(b.ok());
    auto d = decode(b->message);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->msg.find<TPayload>()->value, t);
    const auto* k = d->msg.find<KemacPayload>();
    auto keys = derive_transport_keys(1, hex_literal(kPmk), b->csb_id, b->rand, 1, 2);
    ASSERT_TRUE(keys.ok());
    auto plain = aes_cm_128(keys->encr_key.view(), kemac_iv(keys->salt_key.view(), b->csb_id, t).value(), k->encr_data);
    ASSERT_TRUE(plain.ok());
    auto kd = decode_key_data(*plain);
    ASSERT_TRUE(kd.ok());
    ASSERT_EQ(kd->size(), 1u);
    const KeyData& x = (*kd)[0];
    EXPECT_EQ(x.type, static_cast<std::uint8_t>(KeyDataType::kTgk));
    if (lifetime == 0) {
      EXPECT_EQ(x.kv, static_cast<std::uint8_t>(KvType::kNull));
      EXPECT_TRUE(x.valid_from.empty() && x.valid_to.empty());
      continue;
    }
    EXPECT_EQ(x.kv, static_cast<std::uint8_t>(KvType::kInterval));
    EXPECT_EQ(x.valid_from, ntp8(t));                                         // Valid From = T
    EXPECT_EQ(x.valid_to, ntp8(t + (static_cast<NtpTime>(lifetime) << 32)));  // Valid To = T + lifetime
    // UE side: the same values come out.
    Receiver r = receiver();
    auto o = r.open(b->message, t);
    ASSERT_TRUE(o.ok()) << o.error().to_string();
    EXPECT_EQ(o->valid_from, t);
    EXPECT_EQ(o->valid_to, t + (static_cast<NtpTime>(lifetime) << 32));
  }
}

TEST(MikeyDelivery, ReceiverRefusesKeyValidityNotFromT) {
  const NtpTime s = NtpTime{1} << 32;
  auto interval = [](Bytes from, Bytes to) {
    Forge f;
    f.kv = static_cast<std::uint8_t>(KvType::kInterval);
    f.valid_from = std::move(from);
    f.valid_to = std::move(to);
    return f;
  };
  {
    Receiver r = receiver();
    auto o = r.open(forge(interval(ntp8(kNow), ntp8(kNow + 3600 * s))), kNow);
    ASSERT_TRUE(o.ok()) << o.error().to_string();
    EXPECT_EQ(o->valid_from, kNow);
    EXPECT_EQ(o->valid_to, kNow + 3600 * s);
  }
  struct Bad {
    Forge f;
    const char* why;
  };
  Bytes four_octets = ntp8(kNow);
  four_octets.resize(4);
  const Bad bad[] = {
      {interval(ntp8(kNow + s), ntp8(kNow + 3600 * s)), "Valid From differs from the timestamp T"},
      {interval(ntp8(kNow - 60 * s), ntp8(kNow + 3600 * s)), "Valid From differs from the timestamp T"},
      {interval(ntp8(kNow), ntp8(kNow)), "Valid To is not at least 1 s after Valid From"},
      {interval(ntp8(kNow), ntp8(kNow + s / 2)), "Valid To is not at least 1 s after Valid From"},
      {interval(four_octets, ntp8(kNow + s)), "8-octet NTP"},
      {interval(ntp8(kNow), Bytes(6, 0xff)), "8-octet NTP"},
  };
  for (const Bad& b : bad) {
    Receiver r = receiver();
    auto o = r.open(forge(b.f), kNow);
    ASSERT_FALSE(o.ok()) << b.why;
    EXPECT_EQ(o.error().code, Errc::kMalformed);
    EXPECT_NE(o.error().message.find(b.why), std::string::npos) << o.error().message;
    EXPECT_EQ(r.replay_cache().size(), 0u);
  }
}

TEST(MikeyDelivery, VerificationMacInputIsRfc3830Section52) {
  // RFC 3830 5.2: the MAC covers the message except the MAC field, and "the Identity_i || Identity_r || Timestamp
  // MUST directly follow the MIKEY message in the Verification MAC calculation"; profile.md 4: the ID values and
  // the 8-octet NTP value of T. Built here byte by byte and compared with what both sides compute.
  const NtpTime t = kNow | 0x89abcdefULL;
  const Bytes rand = hex_literal("00112233445566778899aabbccddeeff");
  for (bool idr : {false, true}) {
    for (std::uint8_t mac : {1, 2}) {
      SCOPED_TRACE(std::string(idr ? "IDR" : "ID") + " MAC alg " + std::to_string(mac));
      Profile prof;
      prof.use_idr = idr;
      prof.mac_alg = mac;
      auto b = build_delivery(params(9, true), prof, t);
      ASSERT_TRUE(b.ok());
      Receiver r = receiver(kPmk, /*accept_rfc3830_defaults=*/true);
      auto o = r.open(b->message, t);
      ASSERT_TRUE(o.ok()) << o.error().to_string();
      const Bytes& rm = *o->verification_message;
      const std::size_t mac_len = mac == 1 ? 20 : 32;
      auto d = decode(rm);
      ASSERT_TRUE(d.ok());
      ASSERT_EQ(*d->mac_offset, rm.size() - mac_len);
      EXPECT_EQ(rm[rm.size() - mac_len - 1], mac);  // the auth alg octet is inside the MAC input
      Bytes input(rm.begin(), rm.end() - static_cast<std::ptrdiff_t>(mac_len));
      for (char c : b->idi) input.push_back(static_cast<std::uint8_t>(c));
      for (char c : b->idr) input.push_back(static_cast<std::uint8_t>(c));
      Bytes tw = ntp8(t);
      input.insert(input.end(), tw.begin(), tw.end());
      EXPECT_EQ(v_mac_input(ByteView(rm).first(rm.size() - mac_len), text(b->idi), text(b->idr), t), input);
      auto keys = derive_transport_keys(1, hex_literal(kPmk), 0x0a0b0c0d, rand, 1, mac);
      ASSERT_TRUE(keys.ok());
      EXPECT_EQ(compute_mac(mac, keys->auth_key.view(), {input}).value(), d->msg.find<VPayload>()->mac);
      EXPECT_TRUE(b->pending->verify(rm).ok());
      // The PKMF refuses a V MAC over another reading of 5.2: the ID payloads with their headers, or T as a 4-octet
      // seconds value.
      const std::size_t id_hdr = idr ? 5 : 4;
      auto dm = decode(b->message);
      ASSERT_TRUE(dm.ok());
      ByteView idi_payload = ByteView(b->message).subspan(dm->offsets[2], id_hdr + b->idi.size());
      ByteView idr_payload = ByteView(b->message).subspan(dm->offsets[3], id_hdr + b->idr.size());
      Bytes head(rm.begin(), rm.end() - static_cast<std::ptrdiff_t>(mac_len));
      for (const Bytes& other : {concat({head, idi_payload, idr_payload, tw}),
                                 concat({head, text(b->idi), text(b->idr), ByteView(tw).first(4)})}) {
        Bytes forged = rm;
        Bytes m2 = compute_mac(mac, keys->auth_key.view(), {other}).value();
        std::copy(m2.begin(), m2.end(), forged.end() - static_cast<std::ptrdiff_t>(mac_len));
        auto v = b->pending->verify(forged);
        ASSERT_FALSE(v.ok());
        EXPECT_EQ(v.error().code, Errc::kAuthFailed);
      }
    }
  }
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
  ASSERT_TRUE(r.add_key_type(kPrukType, KeyClass::kPruk).ok());
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
