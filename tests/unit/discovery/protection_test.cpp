// Protected relay discovery (prose/discovery/protection.h): round trips, every rejection leaves the receiver as it
// was, the counter window and LSB reconstruction, replay, and the composition recomputed independently from the
// primitives (33.220 KDF with the FC table, the cipher module's EEA) rather than through prose/keys.
#include "prose/discovery/protection.h"

#include <gtest/gtest.h>

#include "prose/cipher/eps_algorithms.h"
#include "prose/crypto/kdf.h"
#include "prose/keys/fc_table.h"
#include "prose/keys/prose_keys.h"
#include "prose/util/hex.h"

namespace prose::discovery {
namespace {

namespace c = constants;

const Bytes kPsdk = hex_literal("0f1e2d3c4b5a69788796a5b4c3d2e1f00123456789abcdef0fedcba987654321");
const Bytes kOtherPsdk = hex_literal("1f1e2d3c4b5a69788796a5b4c3d2e1f00123456789abcdef0fedcba987654321");
constexpr std::int64_t kNow = 1764300000;  // 2025-11-28

DiscoveryKeys keys_of(const Bytes& psdk) {
  auto k = derive_discovery_keys(psdk);
  EXPECT_TRUE(k.ok());
  return std::move(k).value();
}

DiscoveryMessage msg(MessageType t = MessageType::kAnnouncement, std::uint32_t rsc = 0x00a1b2) {
  DiscoveryMessage m;
  m.type = t;
  m.relay_service_code = rsc;
  m.user_info_id = 0x3344556677aa;
  m.l2_id = t == MessageType::kSolicitation ? 0x000777 : 0x0a0b0c;
  m.status = t == MessageType::kSolicitation ? 0 : 0x01;
  return m;
}

Bytes be32(std::uint32_t v) {
  return Bytes{static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
               static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

Receiver receiver_with(std::uint32_t rsc, const Bytes& psdk, ReceiverConfig cfg = {}) {
  Receiver r(cfg);
  r.set_keys(rsc, keys_of(psdk));
  return r;
}

TEST(Keys, A8ThroughProseKeys) {
  DiscoveryKeys k = keys_of(kPsdk);
  EXPECT_EQ(k.duik, *keys::derive_discovery_key(kPsdk, keys::DiscoveryKeyType::kDuik));
  EXPECT_EQ(k.dusk, *keys::derive_discovery_key(kPsdk, keys::DiscoveryKeyType::kDusk));
  EXPECT_EQ(k.duck, *keys::derive_discovery_key(kPsdk, keys::DiscoveryKeyType::kDuck));
  // Independently: KDF(PSDK, FC A.8, P0 = key type).
  EXPECT_EQ(k.dusk.reveal_hex(),
            crypto::kdf(kPsdk, keys::fc::kDiscoveryKeys, {Bytes{keys::fc::kKeyTypeDusk}})->reveal_hex());
  EXPECT_FALSE(k.duik == k.dusk);
  EXPECT_FALSE(k.dusk == k.duck);
  EXPECT_EQ(derive_discovery_keys(ByteView()).error().code, Errc::kInvalidArgument);
  DiscoveryKeys copy = k.clone();
  EXPECT_EQ(copy.duck, k.duck);
}

TEST(Counter, FromClockAndReconstruction) {
  EXPECT_EQ(utc_counter(0), 0u);
  EXPECT_EQ(utc_counter(kNow), static_cast<std::uint32_t>(kNow));
  EXPECT_EQ(utc_counter(0x100000005LL), 5u);  // modulo 2^32
  EXPECT_EQ(utc_counter(-1), 0xffffffffu);
  EXPECT_EQ(reconstruct_counter(0x10, 0x1210), 0x1210u);
  EXPECT_EQ(reconstruct_counter(0xfe, 0x1203), 0x11feu);          // sender behind, across an LSB wrap
  EXPECT_EQ(reconstruct_counter(0x03, 0x11fe), 0x1203u);          // sender ahead, across an LSB wrap
  EXPECT_EQ(reconstruct_counter(0x8f, 0x1210), 0x128fu);          // +127
  EXPECT_EQ(reconstruct_counter(0x90, 0x1210), 0x1190u);          // -128
  EXPECT_EQ(reconstruct_counter(0xff, 0x00000001), 0xffffffffu);  // across 2^32
  EXPECT_EQ(reconstruct_counter(0x01, 0xffffffff), 0x00000001u);
  EXPECT_EQ(counter_offset(0x00000001, 0xffffffff), 2);
  EXPECT_EQ(counter_offset(0xffffffff, 0x00000001), -2);
}

TEST(Protection, RoundTripAllTypes) {
  Receiver rx = receiver_with(0x00a1b2, kPsdk);
  DiscoveryKeys k = keys_of(kPsdk);
  std::int64_t t = kNow;
  for (auto type : {MessageType::kAnnouncement, MessageType::kSolicitation, MessageType::kResponse}) {
    DiscoveryMessage m = msg(type);
    auto pdu = protect(m, k, utc_counter(t));
    ASSERT_TRUE(pdu.ok()) << pdu.error().to_string();
    ASSERT_EQ(pdu->size(), c::kMessageSize);
    EXPECT_EQ((*pdu)[c::kOffCounterLsb], static_cast<std::uint8_t>(t));
    auto got = rx.accept(*pdu, t);
    ASSERT_TRUE(got.ok()) << type_short_name(type) << ": " << got.error().to_string();
    EXPECT_EQ(*got, m);
    auto opened = open(*pdu, k, utc_counter(t));
    ASSERT_TRUE(opened.ok());
    EXPECT_EQ(opened->message, m);
    ++t;
  }
  EXPECT_EQ(rx.replay_entries(), 3u);
}

TEST(Protection, EveryKeyCombinationRoundTrips) {
  for (int mask = 0; mask < 4; ++mask) {
    DiscoveryKeys k = keys_of(kPsdk);
    if (mask & 1) k.dusk = SecretBytes();
    if (mask & 2) k.duck = SecretBytes();
    Receiver rx;
    rx.set_keys(0x00a1b2, k.clone());
    auto pdu = protect(msg(), k, utc_counter(kNow));
    ASSERT_TRUE(pdu.ok());
    auto got = rx.accept(*pdu, kNow);
    ASSERT_TRUE(got.ok()) << mask << ": " << got.error().to_string();
    EXPECT_EQ(*got, msg());
  }
  // DUIK only: the PDU is the plain message plus MIC and LSB.
  DiscoveryKeys k = keys_of(kPsdk);
  k.dusk = SecretBytes();
  k.duck = SecretBytes();
  Bytes pdu = *protect(msg(), k, utc_counter(kNow));
  auto plain = decode_pdu(pdu);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->message, msg());
}

TEST(Protection, ComposedFromPrimitivesIndependently) {
  // Recompute the whole PDU from the 33.220 KDF, the FC table and the cipher module, not through prose/keys.
  DiscoveryKeys k = keys_of(kPsdk);
  const std::uint32_t counter = 0x6929a1d7;
  Bytes expect = *encode(msg(), 0, static_cast<std::uint8_t>(counter));
  auto mic_full =
      crypto::kdf(k.duik.view(), keys::fc::kDiscoveryMic, {ByteView(expect).first(c::kMicCoveredSize), be32(counter)});
  ASSERT_TRUE(mic_full.ok());
  ByteView mic = mic_full->view().last(4);
  std::copy(mic.begin(), mic.end(), expect.begin() + c::kOffMic);
  auto ks_key = crypto::kdf(k.duck.view(), keys::fc::kDiscoveryKeystream, {be32(counter), mic});
  Bytes ks(c::kConfidentialSize, 0);
  ASSERT_TRUE(cipher::portable_backend()
                  .eea(cipher::Eea::kEea2, ks_key->view().last(16), cipher::EpsParams{counter, 0, 0}, ks, 184, ks)
                  .ok());
  for (std::size_t i = 0; i < ks.size(); ++i) expect[1 + i] ^= ks[i];
  auto thb = crypto::kdf(k.dusk.view(), keys::fc::kDiscoveryScrambling, {be32(counter & 0xfffffff0u)});
  ByteView bits = thb->view().last(28);
  for (std::size_t i = 0; i < 28; ++i) expect[i] ^= bits[i];
  EXPECT_EQ(to_hex(*protect(msg(), k, counter)), to_hex(expect));
}

// Ciphertext difference with and without DUCK (same DUSK, same counter, same MIC) = the confidentiality keystream.
Bytes confidentiality_diff(DiscoveryKeys k, std::uint32_t counter) {
  DiscoveryKeys no_duck = k.clone();
  no_duck.duck = SecretBytes();
  Bytes a = *protect(msg(), k, counter);
  Bytes b = *protect(msg(), no_duck, counter);
  Bytes d(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) d[i] = a[i] ^ b[i];
  return d;
}

TEST(Confidentiality, A6KeystreamEqualsEeaDirectly) {
  const std::uint32_t counter = utc_counter(kNow);
  for (auto alg : {cipher::Eea::kEea1, cipher::Eea::kEea2, cipher::Eea::kEea3}) {
    DiscoveryKeys k = keys_of(kPsdk);
    k.eea = alg;
    Bytes d = confidentiality_diff(k.clone(), counter);
    // MIC (computed over the plain message) is the A.6 input: take it from the DUIK-only PDU.
    DiscoveryKeys plain_k = k.clone();
    plain_k.duck = SecretBytes();
    plain_k.dusk = SecretBytes();
    Bytes plain = *protect(msg(), plain_k, counter);
    ByteView mic = ByteView(plain).subspan(c::kOffMic, c::kMicSize);
    auto a6 = keys::derive_discovery_keystream(k.duck.view(), counter, mic);
    ASSERT_TRUE(a6.ok());
    Bytes ks(c::kConfidentialSize, 0);
    ASSERT_TRUE(cipher::portable_backend().eea(alg, a6->view().last(16), {counter, 0, 0}, ks, 184, ks).ok());
    EXPECT_EQ(d[0], 0) << "Message Type is not ciphered";
    EXPECT_EQ(to_hex(ByteView(d).subspan(1, 23)), to_hex(ks)) << int(alg);
    for (std::size_t i = c::kOffMic; i < c::kMessageSize; ++i) EXPECT_EQ(d[i], 0) << "MIC/LSB not ciphered";
    // Also the ipsec-mb backend when this CPU runs it: the same keystream.
    if (auto mb = cipher::ipsec_mb_backend(); mb.ok()) {
      Bytes ks2(c::kConfidentialSize, 0);
      ASSERT_TRUE((*mb)->eea(alg, a6->view().last(16), {counter, 0, 0}, ks2, 184, ks2).ok());
      EXPECT_EQ(ks2, ks);
    }
  }
}

TEST(Confidentiality, HidesRscAndUserInfoAndOnlyMaskedBitsChange) {
  const std::uint32_t counter = utc_counter(kNow);
  DiscoveryKeys k = keys_of(kPsdk);
  Bytes full = confidentiality_diff(k.clone(), counter);
  // RSC (octets 1..3) and user info (4..9) are changed by ciphering.
  EXPECT_NE(to_hex(ByteView(full).subspan(1, 3)), "000000");
  EXPECT_NE(to_hex(ByteView(full).subspan(4, 6)), "000000000000");
  // Mask: RSC in clear, user info fully ciphered, then 0x0f in the UE ID's first octet; the rest (|| FF..FF) ciphered.
  k.encrypted_bits_mask = hex_literal(
      "000000"
      "ffffffffffff"
      "0f");
  Bytes masked = confidentiality_diff(k.clone(), counter);
  EXPECT_EQ(to_hex(ByteView(masked).subspan(1, 3)), "000000");
  for (std::size_t i = 0; i < c::kConfidentialSize; ++i) {
    const std::uint8_t m = i < k.encrypted_bits_mask.size() ? k.encrypted_bits_mask[i] : 0xff;
    EXPECT_EQ(masked[1 + i], full[1 + i] & m) << i;
  }
  // And it still opens.
  Receiver rx;
  rx.set_keys(0x00a1b2, k.clone());
  auto pdu = protect(msg(), k, counter);
  ASSERT_TRUE(pdu.ok());
  EXPECT_TRUE(rx.accept(*pdu, kNow).ok());
  // Without scrambling, the masked RSC is readable on the air and the user info is not.
  k.dusk = SecretBytes();
  Bytes air = *protect(msg(), k, counter);
  EXPECT_EQ(to_hex(ByteView(air).subspan(1, 3)), "00a1b2");
  EXPECT_NE(to_hex(ByteView(air).subspan(4, 6)), "3344556677aa");
}

TEST(Scrambling, ChangesWithTheCounterEvery16) {
  DiscoveryKeys k = keys_of(kPsdk);
  k.duck = SecretBytes();
  DiscoveryKeys clear = k.clone();
  clear.dusk = SecretBytes();
  const std::uint32_t base = 0x6929a1d0;  // 4 LSBs 0
  auto scr = [&](std::uint32_t counter) {
    Bytes a = *protect(msg(), k, counter);
    Bytes b = *protect(msg(), clear, counter);
    Bytes d(c::kScrambledSize);
    for (std::size_t i = 0; i < d.size(); ++i) d[i] = a[i] ^ b[i];
    EXPECT_EQ(a[c::kOffCounterLsb], b[c::kOffCounterLsb]) << "LSB is never scrambled";
    return d;
  };
  Bytes s0 = scr(base);
  EXPECT_EQ(scr(base + 1), s0);
  EXPECT_EQ(scr(base + 15), s0);
  EXPECT_NE(scr(base + 16), s0);
  EXPECT_NE(scr(base - 1), s0);
  EXPECT_NE(s0, Bytes(c::kScrambledSize, 0));
  // The Message Type itself is hidden.
  EXPECT_NE((*protect(msg(), k, base))[0], c::kTypeAnnouncement);
}

TEST(Reject, ForgedMicAndStateUnchanged) {
  Receiver rx = receiver_with(0x00a1b2, kPsdk);
  DiscoveryKeys k = keys_of(kPsdk);
  Bytes pdu = *protect(msg(), k, utc_counter(kNow));
  Bytes forged = pdu;
  forged[c::kOffMic + 2] ^= 0x40;
  auto r = rx.accept(forged, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kAuthFailed);
  EXPECT_EQ(rx.replay_entries(), 0u);
  EXPECT_TRUE(rx.accept(pdu, kNow).ok());
}

TEST(Reject, WrongPsdk) {
  Receiver rx = receiver_with(0x00a1b2, kOtherPsdk);
  Bytes pdu = *protect(msg(), keys_of(kPsdk), utc_counter(kNow));
  EXPECT_EQ(rx.accept(pdu, kNow).error().code, Errc::kAuthFailed);
  EXPECT_EQ(open(pdu, keys_of(kOtherPsdk), utc_counter(kNow)).error().code, Errc::kAuthFailed);
  EXPECT_EQ(rx.replay_entries(), 0u);
}

TEST(Reject, EveryFlippedBitAndStateUnchanged) {
  for (bool all_keys : {true, false}) {
    DiscoveryKeys k = keys_of(kPsdk);
    if (!all_keys) {
      k.dusk = SecretBytes();
      k.duck = SecretBytes();
    }
    Receiver rx;
    rx.set_keys(0x00a1b2, k.clone());
    Bytes pdu = *protect(msg(), k, utc_counter(kNow));
    for (std::size_t bit = 0; bit < pdu.size() * 8; ++bit) {
      Bytes b = pdu;
      b[bit / 8] ^= static_cast<std::uint8_t>(0x80 >> (bit % 8));
      auto r = rx.accept(b, kNow);
      ASSERT_FALSE(r.ok()) << "bit " << bit;
      // A flipped LSB moves the counter: out of the window or a different MIC input.
      const bool lsb = bit / 8 == c::kOffCounterLsb;
      EXPECT_TRUE(r.error().code == Errc::kAuthFailed || (lsb && r.error().code == Errc::kClockSkew))
          << "bit " << bit << ": " << r.error().to_string();
      EXPECT_EQ(rx.replay_entries(), 0u);
    }
    EXPECT_TRUE(rx.accept(pdu, kNow).ok());
  }
}

TEST(Reject, TruncatedOrLong) {
  Receiver rx = receiver_with(0x00a1b2, kPsdk);
  Bytes pdu = *protect(msg(), keys_of(kPsdk), utc_counter(kNow));
  EXPECT_EQ(rx.accept(ByteView(pdu).first(28), kNow).error().code, Errc::kTruncated);
  EXPECT_EQ(rx.accept(ByteView(), kNow).error().code, Errc::kTruncated);
  Bytes longer = pdu;
  longer.push_back(0);
  EXPECT_EQ(rx.accept(longer, kNow).error().code, Errc::kMalformed);
}

TEST(Reject, Replay) {
  Receiver rx = receiver_with(0x00a1b2, kPsdk);
  DiscoveryKeys k = keys_of(kPsdk);
  Bytes pdu = *protect(msg(), k, utc_counter(kNow));
  ASSERT_TRUE(rx.accept(pdu, kNow).ok());
  auto again = rx.accept(pdu, kNow + 3);  // still in the window
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::kReplay);
  EXPECT_EQ(rx.replay_entries(), 1u);
  // The same announcement at the next counter is a new message.
  EXPECT_TRUE(rx.accept(*protect(msg(), k, utc_counter(kNow + 1)), kNow + 1).ok());
  // Once the window has passed, the old PDU is rejected as out of window, not accepted.
  EXPECT_EQ(rx.accept(pdu, kNow + 40).error().code, Errc::kClockSkew);
}

TEST(Window, OutsideRejectedInsideAcceptedBothDirections) {
  DiscoveryKeys k = keys_of(kPsdk);
  ReceiverConfig cfg;
  cfg.max_offset = 32;
  for (std::int64_t skew : {-33, 33, 60, -60, 127, -128}) {
    Receiver rx = receiver_with(0x00a1b2, kPsdk, cfg);
    Bytes pdu = *protect(msg(), k, utc_counter(kNow + skew));
    auto r = rx.accept(pdu, kNow);
    ASSERT_FALSE(r.ok()) << skew;
    EXPECT_EQ(r.error().code, Errc::kClockSkew) << skew;
    EXPECT_EQ(rx.replay_entries(), 0u);
  }
  for (std::int64_t skew : {-32, -1, 0, 1, 32}) {
    Receiver rx = receiver_with(0x00a1b2, kPsdk, cfg);
    Bytes pdu = *protect(msg(), k, utc_counter(kNow + skew));
    EXPECT_TRUE(rx.accept(pdu, kNow).ok()) << skew;
  }
}

TEST(Window, SkewAcrossAnLsbWrap) {
  DiscoveryKeys k = keys_of(kPsdk);
  const std::int64_t wrap = 0x692a0000LL;  // counter LSB 0x00 at this second
  // Sender behind (LSB 0xf6), receiver already past the wrap.
  Receiver rx1 = receiver_with(0x00a1b2, kPsdk);
  auto a = rx1.accept_detailed(*protect(msg(), k, utc_counter(wrap - 10)), wrap + 5);
  ASSERT_TRUE(a.ok()) << a.error().to_string();
  EXPECT_EQ(a->counter, utc_counter(wrap - 10));
  // Sender ahead (past the wrap, LSB 0x0a), receiver before it.
  Receiver rx2 = receiver_with(0x00a1b2, kPsdk);
  auto b = rx2.accept_detailed(*protect(msg(), k, utc_counter(wrap + 10)), wrap - 5);
  ASSERT_TRUE(b.ok()) << b.error().to_string();
  EXPECT_EQ(b->counter, utc_counter(wrap + 10));
  // Across 2^32 too.
  Receiver rx3 = receiver_with(0x00a1b2, kPsdk);
  EXPECT_TRUE(rx3.accept(*protect(msg(), k, 0xfffffffcu), 0x100000003LL).ok());
}

TEST(Window, MaxOffsetIsClampedTo127) {
  ReceiverConfig cfg;
  cfg.max_offset = 1000;
  cfg.replay_cache = 0;
  Receiver rx(cfg);
  EXPECT_EQ(rx.config().max_offset, 127u);
  EXPECT_EQ(rx.config().replay_cache, 1u);
}

TEST(Receiver, FindsTheRightKeySetAndChecksItsRsc) {
  Receiver rx;
  rx.set_keys(0x000001, keys_of(kOtherPsdk));
  rx.set_keys(0x00a1b2, keys_of(kPsdk));
  rx.set_keys(0xffffff, keys_of(hex_literal("00")));
  EXPECT_EQ(rx.key_sets(), 3u);
  Bytes pdu = *protect(msg(), keys_of(kPsdk), utc_counter(kNow));
  auto got = rx.accept(pdu, kNow);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->relay_service_code, 0x00a1b2u);

  // The keys of RSC 0x00a1b2 filed under another RSC do not vouch for a message naming 0x00a1b2.
  Receiver wrong;
  wrong.set_keys(0x000001, keys_of(kPsdk));
  EXPECT_EQ(wrong.accept(pdu, kNow).error().code, Errc::kAuthFailed);

  // Removing the keys ends acceptance; replacing them takes effect.
  rx.remove_keys(0x00a1b2);
  EXPECT_FALSE(rx.has_keys(0x00a1b2));
  Bytes next = *protect(msg(), keys_of(kPsdk), utc_counter(kNow + 1));
  EXPECT_EQ(rx.accept(next, kNow + 1).error().code, Errc::kAuthFailed);
  rx.set_keys(0x00a1b2, keys_of(kOtherPsdk));
  EXPECT_EQ(rx.accept(next, kNow + 1).error().code, Errc::kAuthFailed);
  rx.set_keys(0x00a1b2, keys_of(kPsdk));
  EXPECT_TRUE(rx.accept(next, kNow + 1).ok());
}

TEST(Receiver, NoKeysMeansAuthFailed) {
  Receiver rx;
  Bytes pdu = *protect(msg(), keys_of(kPsdk), utc_counter(kNow));
  EXPECT_EQ(rx.accept(pdu, kNow).error().code, Errc::kAuthFailed);
}

TEST(Receiver, VerifiedButUndecodableIsMalformed) {
  // A key holder MICs a message with a non-zero spare octet: the MIC verifies, the decoder refuses.
  DiscoveryKeys k = keys_of(kPsdk);
  k.dusk = SecretBytes();
  k.duck = SecretBytes();
  const std::uint32_t counter = utc_counter(kNow);
  Bytes b = *encode(msg(), 0, static_cast<std::uint8_t>(counter));
  b[c::kOffSpare + 3] = 0x01;
  Bytes mic = *keys::derive_discovery_mic(k.duik.view(), ByteView(b).first(c::kMicCoveredSize), counter);
  std::copy(mic.begin(), mic.end(), b.begin() + c::kOffMic);
  EXPECT_EQ(open(b, k, counter).error().code, Errc::kMalformed);
  Receiver rx;
  rx.set_keys(0x00a1b2, k.clone());
  EXPECT_EQ(rx.accept(b, kNow).error().code, Errc::kMalformed);
  EXPECT_EQ(rx.replay_entries(), 0u);
}

TEST(Receiver, ReplayCacheIsBoundedAndForgetsExpired) {
  ReceiverConfig cfg;
  cfg.replay_cache = 2;
  Receiver rx = receiver_with(0x00a1b2, kPsdk, cfg);
  DiscoveryKeys k = keys_of(kPsdk);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(rx.accept(*protect(msg(), k, utc_counter(kNow + i)), kNow + i).ok());
  EXPECT_EQ(rx.replay_entries(), 2u);
  // The newest two are still refused as replays.
  EXPECT_EQ(rx.accept(*protect(msg(), k, utc_counter(kNow + 2)), kNow + 2).error().code, Errc::kReplay);
  EXPECT_EQ(rx.accept(*protect(msg(), k, utc_counter(kNow + 1)), kNow + 2).error().code, Errc::kReplay);
  // 100 s later everything earlier is outside the window and is dropped on the next success.
  ASSERT_TRUE(rx.accept(*protect(msg(), k, utc_counter(kNow + 100)), kNow + 100).ok());
  EXPECT_EQ(rx.replay_entries(), 1u);
}

TEST(Protect, InputErrors) {
  DiscoveryKeys k = keys_of(kPsdk);
  DiscoveryMessage bad = msg();
  bad.relay_service_code = 0x1000000;
  EXPECT_EQ(protect(bad, k, 1).error().code, Errc::kInvalidArgument);
  DiscoveryKeys no_duik = k.clone();
  no_duik.duik = SecretBytes();
  EXPECT_EQ(protect(msg(), no_duik, 1).error().code, Errc::kInvalidArgument);
  DiscoveryKeys long_mask = k.clone();
  long_mask.encrypted_bits_mask = Bytes(24, 0xff);
  EXPECT_EQ(protect(msg(), long_mask, 1).error().code, Errc::kInvalidArgument);
  DiscoveryKeys eea0 = k.clone();
  eea0.eea = cipher::Eea::kEea0;
  EXPECT_EQ(protect(msg(), eea0, 1).error().code, Errc::kInvalidArgument);
  Bytes pdu = *protect(msg(), k, 0x1234);
  EXPECT_EQ(open(pdu, k, 0x1235).error().code, Errc::kInvalidArgument);  // LSBs differ
  EXPECT_TRUE(open(pdu, k, 0x1234).ok());
  EXPECT_EQ(open(pdu, k, 0x2234).error().code, Errc::kAuthFailed);  // same LSBs, other counter
}

}  // namespace
}  // namespace prose::discovery
