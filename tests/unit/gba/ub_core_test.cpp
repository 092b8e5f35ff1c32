// GBA bootstrapping cores: base64, HTTP Digest (RFC 2617 known answer, AKAv1 with RES as password), the B-TID,
// the session table with expiry on a fake clock, the Ub XML body and the Ua id table.
#include <gtest/gtest.h>

#include "prose/gba/base64.h"
#include "prose/gba/bootstrap.h"
#include "prose/gba/digest_aka.h"
#include "prose/gba/ua_ids.h"
#include "prose/keys/prose_keys.h"
#include "prose/util/hex.h"

namespace prose::gba {
namespace {

TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> v[] = {{"", ""},
                                                   {"f", "Zg=="},
                                                   {"fo", "Zm8="},
                                                   {"foo", "Zm9v"},
                                                   {"foob", "Zm9vYg=="},
                                                   {"fooba", "Zm9vYmE="},
                                                   {"foobar", "Zm9vYmFy"}};
  for (auto [plain, enc] : v) {
    std::string p(plain);
    ByteView pv(reinterpret_cast<const std::uint8_t*>(p.data()), p.size());
    EXPECT_EQ(base64_encode(pv), enc);
    auto d = base64_decode(enc);
    ASSERT_TRUE(d.ok()) << enc;
    EXPECT_EQ(std::string(d->begin(), d->end()), p);
  }
  EXPECT_FALSE(base64_decode("Zm9").ok());
  EXPECT_FALSE(base64_decode("Zm=v").ok());
  EXPECT_FALSE(base64_decode("Zm9*").ok());
}

TEST(Digest, Rfc2617KnownAnswer) {
  // RFC 2617 3.5.
  DigestCredentials c;
  c.username = "Mufasa";
  c.realm = "testrealm@host.com";
  c.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
  c.uri = "/dir/index.html";
  c.qop = "auth";
  c.nc = "00000001";
  c.cnonce = "0a4f113b";
  std::string pw = "Circle Of Life";
  EXPECT_EQ(digest_response(c, ByteView(reinterpret_cast<const std::uint8_t*>(pw.data()), pw.size()), "GET", ""),
            "6629fae49393a05397450978507c4ef1");
}

TEST(Digest, AuthIntCoversTheBodyAndThePassword) {
  DigestCredentials c;
  c.username = "001010000000001@ims.mnc001.mcc001.3gppnetwork.org";
  c.realm = "bsf.prose.lab";
  c.nonce = "abc";
  c.qop = "auth-int";
  c.nc = "00000001";
  c.cnonce = "xyz";
  Bytes res = hex_literal("a54211d5e3ba50bf");
  auto r = digest_response(c, res, "GET", "");
  EXPECT_EQ(r.size(), 32u);
  EXPECT_NE(r, digest_response(c, hex_literal("a54211d5e3ba50be"), "GET", ""));
  EXPECT_NE(r, digest_response(c, res, "GET", "body"));
  EXPECT_NE(digest_rspauth(c, res, "<x/>"), digest_rspauth(c, res, "<y/>"));
}

TEST(Digest, HeadersRoundTrip) {
  DigestChallenge ch{"bsf.prose.lab", make_aka_nonce(Bytes(16, 1), Bytes(16, 2)), "op\"aque"};
  auto back = parse_challenge(format_challenge(ch));
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->realm, ch.realm);
  EXPECT_EQ(back->nonce, ch.nonce);
  EXPECT_EQ(back->opaque, ch.opaque);
  EXPECT_EQ(back->qop, "auth-int");
  auto n = parse_aka_nonce(back->nonce);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->rand, Bytes(16, 1));
  EXPECT_EQ(n->autn, Bytes(16, 2));

  DigestCredentials c;
  c.username = "impi@x";
  c.realm = "r";
  c.nonce = ch.nonce;
  c.response = "00112233445566778899aabbccddeeff";
  c.qop = "auth-int";
  c.nc = "00000001";
  c.cnonce = "cn";
  c.auts = "AAAA";
  auto cb = parse_credentials(format_credentials(c));
  ASSERT_TRUE(cb.ok()) << cb.error().to_string();
  EXPECT_EQ(cb->username, c.username);
  EXPECT_EQ(cb->response, c.response);
  EXPECT_EQ(cb->nc, c.nc);
  EXPECT_EQ(cb->auts, c.auts);
}

TEST(Digest, MalformedHeadersAreRefused) {
  EXPECT_FALSE(parse_digest("Basic abc").ok());
  EXPECT_FALSE(parse_digest("Digest realm=\"x").ok());
  EXPECT_FALSE(parse_digest("Digest realm=a, realm=b").ok());
  EXPECT_FALSE(parse_digest("Digest realm a").ok());
  EXPECT_FALSE(parse_credentials("Digest realm=\"r\"").ok());  // no username
  EXPECT_EQ(parse_challenge("Digest realm=\"r\", nonce=\"n\", algorithm=MD5").error().code, Errc::kUnsupported);
  EXPECT_FALSE(parse_aka_nonce("AAAA").ok());  // shorter than RAND || AUTN
}

TEST(Bootstrap, BtidIsBase64RandAtHost) {
  auto b = make_btid(hex_literal("23553cbe9637a89d218ae64dae47bf35"), "bsf.prose.lab");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, "I1U8vpY3qJ0hiuZNrke/NQ==@bsf.prose.lab");
  EXPECT_FALSE(make_btid(Bytes(16), "").ok());
}

BootstrapSession session(const std::string& btid, std::int64_t created, std::int64_t expires) {
  return {btid,         "001010000000001@ims.mnc001.mcc001.3gppnetwork.org",
          Bytes(16, 7), *SecretBytes::from_hex(std::string(64, 'a')),
          created,      expires};
}

TEST(Bootstrap, SessionsExpireOnTheFakeClock) {
  BootstrapSessions t(2);
  ASSERT_TRUE(t.put(session("a@bsf", 100, 200), 100).ok());
  ASSERT_TRUE(t.put(session("b@bsf", 100, 150), 100).ok());
  EXPECT_EQ(t.put(session("c@bsf", 100, 150), 100).error().code, Errc::kState);  // full
  EXPECT_TRUE(t.find("a@bsf", 199).ok());
  EXPECT_EQ(t.find("a@bsf", 200).error().code, Errc::kNotFound);  // expiry is exclusive
  EXPECT_EQ(t.find("b@bsf", 150).error().code, Errc::kNotFound);
  EXPECT_EQ(t.find("zz@bsf", 100).error().code, Errc::kNotFound);
  EXPECT_EQ(t.size(200), 0u);
  EXPECT_TRUE(t.put(session("c@bsf", 200, 300), 200).ok());  // room again
}

TEST(Bootstrap, KsNafIsTheTs33220Kdf) {
  auto s = session("a@bsf", 0, 1);
  Bytes naf_id = keys::make_naf_id("pkmf.prose.lab", kUaTls13);
  auto k = s.ks_naf(naf_id);
  ASSERT_TRUE(k.ok());
  auto direct = keys::derive_ks_ext_naf(s.ks.view().first(16), s.ks.view().subspan(16), s.rand, s.impi, naf_id);
  ASSERT_TRUE(direct.ok());
  EXPECT_TRUE(*k == *direct);
  auto other = s.ks_naf(keys::make_naf_id("pkmf.prose.lab", ua_id_tls12(0x008C)));
  EXPECT_FALSE(*k == *other);
}

TEST(Bootstrap, XmlRoundTripAndRejections) {
  BootstrappingInfo info{"I1U8vpY3qJ0hiuZNrke/NQ==@bsf.prose.lab", 1796601600};
  std::string xml = encode_bootstrapping_info(info);
  EXPECT_NE(xml.find("xmlns=\"uri:3gpp-gba\""), std::string::npos);
  EXPECT_NE(xml.find("<lifetime>2026-12-07T00:00:00Z</lifetime>"), std::string::npos) << xml;
  auto back = decode_bootstrapping_info(xml);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->btid, info.btid);
  EXPECT_EQ(back->lifetime, info.lifetime);
  EXPECT_FALSE(decode_bootstrapping_info("<BootstrappingInfo><btid>x</btid></BootstrappingInfo>").ok());
  EXPECT_FALSE(
      decode_bootstrapping_info("<BootstrappingInfo xmlns=\"uri:3gpp-gba\"><btid>x</btid><lifetime>tomorrow</lifetime>"
                                "</BootstrappingInfo>")
          .ok());
  EXPECT_FALSE(decode_bootstrapping_info("<BootstrappingInfo xmlns=\"uri:3gpp-gba\"><btid>x</btid><btid>y</btid>"
                                         "<lifetime>2026-12-07T00:00:00Z</lifetime></BootstrappingInfo>")
                   .ok());
  EXPECT_FALSE(decode_bootstrapping_info("<not xml").ok());
}

// Found by fuzz/gba_ub_parse: a lifetime that parsed but could not be written back (year 0354), and a B-TID with
// markup characters written into the XML unescaped.
TEST(Bootstrap, OnlyCanonicalLifetimesParseAndTheBtidIsEscaped) {
  EXPECT_TRUE(parse_utc("2026-12-07T15:45:00Z").ok());
  EXPECT_TRUE(parse_utc("2028-02-29T00:00:00Z").ok());
  for (const char* bad : {"0354-12-07T15:45:00Z", "2026-02-31T00:00:00Z", "2026-12-07T23:59:60Z",
                          "2026-12- 7T15:45:00Z", "2026-12-+7T15:45:00Z", "2027-02-29T00:00:00Z"})
    EXPECT_FALSE(parse_utc(bad).ok()) << bad;
  BootstrappingInfo info{"a<b&c>d@bsf.prose.lab", 1796601600};
  auto back = decode_bootstrapping_info(encode_bootstrapping_info(info));
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->btid, info.btid);
}

TEST(UaIds, TableValues) {
  EXPECT_EQ(ua_id_tls12(0x008C), (UaId{0x01, 0x00, 0x01, 0x00, 0x8C}));
  EXPECT_EQ(kUaTls13, (UaId{0x01, 0x00, 0x00, 0x00, 0x07}));
  EXPECT_EQ(kUaIds[0].id, kUaTls13);
}

}  // namespace
}  // namespace prose::gba
