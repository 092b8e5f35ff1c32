// MIKEY payload codec: the public vendor sample, round trips of every payload, and malformed input.
#include <gtest/gtest.h>

#include "prose/mikey/payloads.h"
#include "prose/util/hex.h"

namespace prose::mikey {
namespace {

// test-vectors.md 8.1 (102 octets, NULL encryption and MAC, no RAND).
const char* kVendorSample =
    "01000500fd6d77d0010000c20f551c000000000a0001d38e19cef95c3d0100000018000101010110020101030114070101"
    "0801010a01010b010a000000270021001edf40b9f54ac2944d1edbb50fe61fd6b72f542fcf9d7f383edadb669a8de404"
    "0000002f00";

TEST(MikeyCodec, DecodesVendorSample) {
  Bytes msg = hex_literal(kVendorSample);
  ASSERT_EQ(msg.size(), 102u);
  auto d = decode(msg);
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  const Hdr& h = d->msg.hdr;
  EXPECT_EQ(h.version, 1);
  EXPECT_EQ(h.data_type, 0);
  EXPECT_FALSE(h.v);
  EXPECT_EQ(h.prf_func, 0);
  EXPECT_EQ(h.csb_id, 0xfd6d77d0u);
  ASSERT_EQ(h.srtp.size(), 1u);
  EXPECT_EQ(h.srtp[0].ssrc, 0xc20f551cu);
  ASSERT_EQ(d->msg.payloads.size(), 3u);
  EXPECT_EQ(d->offsets, (std::vector<std::size_t>{19, 29, 58}));
  const auto* t = d->msg.find<TPayload>();
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->ts_type, 0);
  EXPECT_EQ(t->value, 0x01d38e19cef95c3dULL);
  const auto* sp = d->msg.find<SpPayload>();
  ASSERT_NE(sp, nullptr);
  ASSERT_EQ(sp->params.size(), 8u);
  EXPECT_EQ(sp->params[3].type, 3);
  EXPECT_EQ(to_hex(sp->params[3].value), "14");
  const auto* k = d->msg.find<KemacPayload>();
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->encr_alg, 0);
  EXPECT_EQ(k->mac_alg, 0);
  EXPECT_TRUE(k->mac.empty());
  ASSERT_TRUE(d->mac_offset.has_value());
  EXPECT_EQ(*d->mac_offset, 102u);
  auto kd = decode_key_data(k->encr_data, 62);
  ASSERT_TRUE(kd.ok()) << kd.error().to_string();
  ASSERT_EQ(kd->size(), 1u);
  EXPECT_EQ((*kd)[0].type, 2);
  EXPECT_EQ((*kd)[0].kv, 1);
  EXPECT_EQ((*kd)[0].key.reveal_hex(), "df40b9f54ac2944d1edbb50fe61fd6b72f542fcf9d7f383edadb669a8de4");
  EXPECT_EQ(to_hex((*kd)[0].spi), "0000002f");
  // Re-encoding gives the same octets.
  auto again = encode(d->msg);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(to_hex(*again), kVendorSample);
}

Message full_message() {
  Message m;
  m.hdr.data_type = 0;
  m.hdr.v = true;
  m.hdr.prf_func = 1;
  m.hdr.csb_id = 0xdeadbeef;
  m.hdr.cs_count = 1;
  m.hdr.map_type = static_cast<std::uint8_t>(CsIdMapType::kGenericId);
  GenericIdEntry g;
  g.cs_id = 6;
  g.prot_type = 0;
  g.policies = {0};
  g.session_data = hex_literal("aabb");
  g.spi = hex_literal("01020304");
  m.hdr.generic.push_back(g);
  m.payloads.push_back(TPayload{0, 0xe000000012345678ULL});
  m.payloads.push_back(RandPayload{hex_literal("000102030405060708090a0b0c0d0e0f")});
  m.payloads.push_back(IdPayload{0, Bytes{'a', '@', 'b'}});
  m.payloads.push_back(IdrPayload{2, 0, Bytes{'u', 'e'}});
  m.payloads.push_back(SpPayload{0, 0, {SpParam{0, {1}}, SpParam{1, {16}}}});
  m.payloads.push_back(GeneralExtPayload{0, Bytes{'x', 'y', 'z'}});
  m.payloads.push_back(ErrPayload{3, 0});
  m.payloads.push_back(TPayload{2, 0x01020304});
  m.payloads.push_back(KemacPayload{1, hex_literal("0102030405"), 2, Bytes(32, 0x5a)});
  return m;
}

TEST(MikeyCodec, RoundTripsEveryPayload) {
  Message m = full_message();
  auto b = encode(m);
  ASSERT_TRUE(b.ok()) << b.error().to_string();
  auto d = decode(*b);
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  auto b2 = encode(d->msg);
  ASSERT_TRUE(b2.ok());
  EXPECT_EQ(*b, *b2);
  EXPECT_EQ(d->msg.payloads.size(), m.payloads.size());
  EXPECT_EQ(d->msg.hdr.generic.at(0).spi, hex_literal("01020304"));
  EXPECT_EQ(*d->mac_offset, b->size() - 32);
  EXPECT_EQ(std::get<TPayload>(d->msg.payloads[7]).value, 0x01020304u);
  // V payload as last payload.
  Message r;
  r.hdr.data_type = 1;
  r.hdr.map_type = 1;
  r.payloads.push_back(TPayload{0, 5});
  r.payloads.push_back(VPayload{1, Bytes(20, 1)});
  auto rb = encode(r);
  ASSERT_TRUE(rb.ok());
  auto rd = decode(*rb);
  ASSERT_TRUE(rd.ok());
  EXPECT_EQ(*rd->mac_offset, rb->size() - 20);
}

TEST(MikeyCodec, TruncationAtEveryOffsetIsAnErrorWithOffset) {
  auto b = encode(full_message());
  ASSERT_TRUE(b.ok());
  for (std::size_t n = 0; n < b->size(); ++n) {
    auto d = decode(ByteView(*b).first(n));
    ASSERT_FALSE(d.ok()) << "prefix of " << n << " octets decoded";
    EXPECT_EQ(d.error().code, Errc::kTruncated) << n << ": " << d.error().to_string();
    ASSERT_TRUE(d.error().offset.has_value());
    EXPECT_LE(*d.error().offset, n);
  }
}

TEST(MikeyCodec, TrailingOctetsAreMalformed) {
  auto b = encode(full_message());
  ASSERT_TRUE(b.ok());
  b->push_back(0);
  auto d = decode(*b);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, Errc::kMalformed);
  EXPECT_EQ(*d.error().offset, b->size() - 1);
}

Bytes hdr_then(const char* payload_hex, std::uint8_t first) {
  Bytes m = hex_literal("01000000112233440002");
  m[2] = first;
  Bytes p = hex_literal(payload_hex);
  m.insert(m.end(), p.begin(), p.end());
  return m;
}

void expect_error(const Bytes& m, Errc code, std::size_t offset, const char* needle) {
  auto d = decode(m);
  ASSERT_FALSE(d.ok()) << to_hex(m);
  EXPECT_EQ(d.error().code, code) << d.error().to_string();
  ASSERT_TRUE(d.error().offset.has_value()) << d.error().to_string();
  EXPECT_EQ(*d.error().offset, offset) << d.error().to_string();
  EXPECT_NE(d.error().to_string().find(needle), std::string::npos) << d.error().to_string();
}

TEST(MikeyCodec, UnknownAndUnsupportedPayloads) {
  expect_error(hdr_then("00", 99), Errc::kMalformed, 10, "unknown payload type 99");
  expect_error(hdr_then("0000", 4), Errc::kUnsupported, 10, "SIGN");
  expect_error(hdr_then("0000", 2), Errc::kUnsupported, 10, "PKE");
  expect_error(hdr_then("0000", 20), Errc::kMalformed, 10, "outside KEMAC");
  // Chained: a valid RAND that announces an unknown payload.
  expect_error(hdr_then("3f02abcd"
                        "00",
                        11),
               Errc::kMalformed, 14, "unknown payload type 63");
  // HDR problems.
  Bytes v2 = hdr_then("", 0);
  v2[0] = 2;
  expect_error(v2, Errc::kUnsupported, 0, "version 2");
  Bytes map = hdr_then("", 0);
  map[9] = 7;
  expect_error(map, Errc::kUnsupported, 9, "CS ID map type 7");
  expect_error(hdr_then("000709", 5), Errc::kUnsupported, 11, "TS type");
  expect_error(hdr_then("0001000009", 1), Errc::kUnsupported, 14, "MAC alg 9");
  expect_error(hdr_then("0009", 9), Errc::kUnsupported, 11, "auth alg 9");
}

TEST(MikeyCodec, ZeroLengthPayloads) {
  expect_error(hdr_then("0000", 11), Errc::kMalformed, 11, "RAND: zero length");
  expect_error(hdr_then("00000000", 6), Errc::kMalformed, 12, "ID: zero length");
  expect_error(hdr_then("0001000000", 14), Errc::kMalformed, 13, "IDR: zero length");
  expect_error(hdr_then("0000000000", 14), Errc::kMalformed, 11, "invalid ID role 0");
  // KEMAC with no encrypted data decodes (the opener rejects it); an empty EXT is legal.
  EXPECT_TRUE(decode(hdr_then("0001000000", 1)).ok());
  EXPECT_TRUE(decode(hdr_then("00000000", 21)).ok());
  EXPECT_TRUE(decode(hdr_then("0000000000", 10)).ok());  // SP without parameters
}

TEST(MikeyCodec, LengthsPastTheEnd) {
  expect_error(hdr_then("0010abcd", 11), Errc::kTruncated, 12, "RAND data");
  expect_error(hdr_then("0000ffff61", 6), Errc::kTruncated, 14, "ID data");
  expect_error(hdr_then("0001ffff00", 1), Errc::kTruncated, 14, "KEMAC encr data");
  expect_error(hdr_then("0001000100"
                        "01",
                        1),
               Errc::kTruncated, 16, "KEMAC MAC");
  expect_error(hdr_then("00000000050003", 10), Errc::kTruncated, 15, "SP policy param length");
  expect_error(hdr_then("0000ffff", 21), Errc::kTruncated, 14, "EXT data");
  // #CS announces entries that are not there.
  Bytes cs = hex_literal(
      "010000001122334403"
      "00");
  expect_error(cs, Errc::kTruncated, 10, "SRTP-ID");
  // Payload announced by the last next-payload field but the message ends.
  expect_error(hdr_then("", 11), Errc::kTruncated, 10, "announced");
}

TEST(MikeyCodec, KeyDataSubPayloads) {
  std::vector<KeyData> kds(2);
  kds[0].type = 0;
  kds[0].kv = 2;
  kds[0].key = SecretBytes(Bytes(32, 0x11));
  kds[0].valid_from = hex_literal("0000000000000001");
  kds[0].valid_to = hex_literal("0000000000000002");
  kds[1].type = 3;
  kds[1].kv = 1;
  kds[1].key = SecretBytes(Bytes(16, 0x22));
  kds[1].salt = SecretBytes(Bytes(14, 0x33));
  kds[1].spi = hex_literal("abcd");
  auto enc = encode_key_data(kds);
  ASSERT_TRUE(enc.ok());
  auto dec = decode_key_data(enc->view(), 100);
  ASSERT_TRUE(dec.ok()) << dec.error().to_string();
  ASSERT_EQ(dec->size(), 2u);
  EXPECT_EQ((*dec)[0].valid_to, kds[0].valid_to);
  EXPECT_EQ((*dec)[1].salt.reveal_hex(), std::string(28, '3'));
  EXPECT_EQ(to_hex((*dec)[1].spi), "abcd");
  // Every truncation fails with an offset inside the enclosing message.
  for (std::size_t n = 0; n < enc->size(); ++n) {
    auto d = decode_key_data(enc->view().first(n), 100);
    ASSERT_FALSE(d.ok()) << n;
    EXPECT_GE(*d.error().offset, 100u);
  }
  auto zero = decode_key_data(hex_literal("00000000"), 0);
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.error().message.find("zero length"), std::string::npos);
  auto badnext = decode_key_data(hex_literal("05000001aa"), 0);  // announces payload 5 inside the chain
  ASSERT_FALSE(badnext.ok());
  EXPECT_EQ(badnext.error().code, Errc::kMalformed);
  auto badkv = decode_key_data(hex_literal("00070001aa"), 0);
  ASSERT_FALSE(badkv.ok());
  EXPECT_EQ(badkv.error().code, Errc::kUnsupported);
}

TEST(MikeyCodec, EncoderRejectsInconsistentInput) {
  Message m = full_message();
  m.hdr.cs_count = 2;
  EXPECT_FALSE(encode(m).ok());
  m = full_message();
  std::get<KemacPayload>(m.payloads.back()).mac.pop_back();
  EXPECT_FALSE(encode(m).ok());
  m = full_message();
  m.payloads.push_back(RandPayload{Bytes(300, 1)});
  EXPECT_FALSE(encode(m).ok());
}

}  // namespace
}  // namespace prose::mikey
