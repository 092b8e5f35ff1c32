#include "prose/diameter/message.h"

#include <gtest/gtest.h>

#include "prose/util/hex.h"

namespace prose::diameter {
namespace {

Message sample() {
  Message m;
  m.flags = kFlagRequest | kFlagProxiable;
  m.command_code = cmd::kGbaPushInfo;
  m.application_id = app::kZpn;
  m.hop_by_hop = 0x01020304;
  m.end_to_end = 0xa0b0c0d0;
  m.avps.push_back(make_str(avp::kSessionId, "pkmf.lab;1;2"));
  m.avps.push_back(make_str(avp::kOriginHost, "pkmf.lab"));
  m.avps.push_back(make_grouped(avp::kVendorSpecificApplicationId,
                                {make_u32(avp::kVendorId, kVendor3gpp), make_u32(avp::kAuthApplicationId, app::kZpn)}));
  m.avps.push_back(make_str(avp::kUeId, "001010123456789@ims.mnc001.mcc001.3gppnetwork.org", kVendor3gpp));
  m.avps.push_back(make_u64(avp::kNafSaIdentifier, 0x1122334455667788ULL, kVendor3gpp));
  m.avps.push_back(make_avp(avp::kNafId, hex_literal("0102"), kVendor3gpp));  // 2 octets -> 2 padding octets
  return m;
}

TEST(DiameterCodec, RoundTrip) {
  Message m = sample();
  auto enc = encode(m);
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ(enc->size() % 4, 0u);
  EXPECT_EQ((*enc)[0], 1);
  auto dec = decode(*enc);
  ASSERT_TRUE(dec.ok()) << dec.error().to_string();
  EXPECT_EQ(*dec, m);
  const Avp* ue = find(dec->avps, avp::kUeId, kVendor3gpp);
  ASSERT_NE(ue, nullptr);
  EXPECT_TRUE(ue->has_vendor());
  EXPECT_EQ(as_string(*ue), "001010123456789@ims.mnc001.mcc001.3gppnetwork.org");
  EXPECT_EQ(*as_u64(*find(dec->avps, avp::kNafSaIdentifier, kVendor3gpp)), 0x1122334455667788ULL);
  EXPECT_EQ(find(dec->avps, avp::kUeId, 0), nullptr);  // vendor must match
  auto grouped = as_grouped(*find(dec->avps, avp::kVendorSpecificApplicationId));
  ASSERT_TRUE(grouped.ok());
  EXPECT_EQ(*as_u32(*find(*grouped, avp::kAuthApplicationId)), app::kZpn);
}

// Known encoding (hand-computed from RFC 6733 sections 3 and 4): DWR with Origin-Host "a" and Origin-Realm "b".
TEST(DiameterCodec, KnownBytes) {
  Message m;
  m.flags = kFlagRequest;
  m.command_code = cmd::kDeviceWatchdog;
  m.hop_by_hop = 7;
  m.end_to_end = 9;
  m.avps = {make_str(avp::kOriginHost, "a"), make_str(avp::kOriginRealm, "b")};
  auto enc = encode(m);
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ(to_hex(*enc),
            "0100002c"  // version 1, length 44
            "80000118"  // R, command 280
            "00000000"
            "00000007"
            "00000009"
            "00000108"
            "40000009"
            "61000000"  // Origin-Host (264), M, len 9, "a" + 3 padding
            "00000128"
            "40000009"
            "62000000");  // Origin-Realm (296)
}

TEST(DiameterCodec, VendorAvpHeaderIs12Octets) {
  Avp a = make_u32(avp::kGbaType, 0, kVendor3gpp);
  EXPECT_EQ(to_hex(encode_avps({a})), "0000019ac0000010000028af00000000");
}

TEST(DiameterCodec, RejectsBadVersion) {
  auto enc = *encode(sample());
  enc[0] = 2;
  auto r = decode(enc);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("version"), std::string::npos);
}

TEST(DiameterCodec, RejectsLengthMismatch) {
  auto enc = *encode(sample());
  enc.push_back(0);
  enc.push_back(0);
  enc.push_back(0);
  enc.push_back(0);
  EXPECT_FALSE(decode(enc).ok());
}

TEST(DiameterCodec, RejectsEveryTruncation) {
  auto enc = *encode(sample());
  for (std::size_t n = 0; n < enc.size(); ++n) {
    Bytes cut(enc.begin(), enc.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(decode(cut).ok()) << "accepted truncation at " << n;
  }
}

TEST(DiameterCodec, IgnoresReservedHeaderBitsRejectsErrorOnRequest) {
  auto enc = *encode(sample());
  auto bad = enc;
  bad[4] |= 0x0f;  // RFC 6733 3: "MUST be set to zero and ignored by the receiver"
  auto ignored = decode(bad);
  ASSERT_TRUE(ignored.ok()) << ignored.error().to_string();
  EXPECT_EQ(*ignored, sample());
  bad = enc;
  bad[4] |= kFlagError;  // request with E set
  EXPECT_FALSE(decode(bad).ok());
}

TEST(DiameterCodec, RejectsAvpLengthPastEnd) {
  auto enc = *encode(sample());
  // First AVP starts at 20; its length field is at 25..27.
  enc[27] = 0xff;
  auto r = decode(enc);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().offset.has_value());
}

TEST(DiameterCodec, RejectsAvpShorterThanHeader) {
  Bytes body = hex_literal("0000010840000004");  // Origin-Host with length 4 < 8
  EXPECT_FALSE(decode_avps(body).ok());
  Bytes vendor = hex_literal("0000019ac000000800000000");  // V set, length 8 < 12
  EXPECT_FALSE(decode_avps(vendor).ok());
}

TEST(DiameterCodec, RejectsNonZeroPaddingAndReservedAvpBits) {
  EXPECT_FALSE(decode_avps(hex_literal("000001084000000961000001")).ok());
  EXPECT_FALSE(decode_avps(hex_literal("000001084100000961000000")).ok());
  EXPECT_TRUE(decode_avps(hex_literal("000001084000000961000000")).ok());
  // Missing padding at the end.
  EXPECT_FALSE(decode_avps(hex_literal("0000010840000009610000")).ok());
}

TEST(DiameterCodec, RejectsVendorZero) {
  EXPECT_FALSE(decode_avps(hex_literal("0000019ac00000100000000000000000")).ok());
}

TEST(DiameterCodec, FrameLength) {
  auto enc = *encode(sample());
  auto need = frame_length(ByteView(enc.data(), 3));
  ASSERT_TRUE(need.ok());
  EXPECT_FALSE(need->has_value());
  auto got = frame_length(enc);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(**got, enc.size());
  Limits small{64};
  EXPECT_FALSE(frame_length(enc, small).ok());
  EXPECT_FALSE(frame_length(hex_literal("01000013")).ok());  // not a multiple of 4
  EXPECT_FALSE(frame_length(hex_literal("01000010")).ok());  // shorter than a header
}

TEST(DiameterCodec, TypedAccessorsCheckSize) {
  EXPECT_FALSE(as_u32(make_str(avp::kResultCode, "abc")).ok());
  EXPECT_FALSE(as_u64(make_u32(avp::kNafSaIdentifier, 1)).ok());
  EXPECT_EQ(*as_u32(make_u32(avp::kResultCode, rc::kSuccess)), 2001u);
}

TEST(DiameterCodec, EncodeRejectsReservedBits) {
  Message m = sample();
  m.flags |= 0x02;
  EXPECT_FALSE(encode(m).ok());
  m = sample();
  m.avps[0].flags |= 0x01;
  EXPECT_FALSE(encode(m).ok());
}

TEST(DiameterCodec, AddressAvpsForBothFamilies) {
  EXPECT_EQ(make_address(avp::kHostIpAddress, "192.0.2.7")->data, hex_literal("0001c0000207"));
  EXPECT_EQ(make_address(avp::kHostIpAddress, "2001:db8::1")->data,
            hex_literal("000220010db8000000000000000000000001"));
  EXPECT_FALSE(make_address(avp::kHostIpAddress, "hss.example").ok());
}

TEST(DiameterCodec, SalvageKeepsTheAvpsBeforeTheFaultAndNamesTheOffendingAvp) {
  Message m = sample();
  const auto enc = *encode(m);
  const std::size_t second = kHeaderSize + avp_encoded_size(m.avps[0]);
  auto len = enc;
  len[second + 5] = 0xff;  // the second AVP claims more than the message holds
  Salvaged s = salvage(len);
  EXPECT_EQ(s.result_code, rc::kInvalidAvpLength);
  ASSERT_EQ(s.header.avps.size(), 1u);
  EXPECT_EQ(s.header.avps[0], m.avps[0]);
  ASSERT_TRUE(s.offending.has_value());
  EXPECT_EQ(s.offending->code, m.avps[1].code);
  EXPECT_EQ(s.header.end_to_end, m.end_to_end);
  auto bits = enc;
  bits[second + 4] |= 0x01;  // a reserved AVP flag bit
  Salvaged b = salvage(bits);
  EXPECT_EQ(b.result_code, rc::kInvalidAvpBits);
  ASSERT_TRUE(b.offending.has_value());
  EXPECT_EQ(b.offending->data, m.avps[1].data);
  EXPECT_TRUE(encode(Message{0, 1, 0, 0, 0, {*b.offending}}).ok());  // fit for Failed-AVP
  auto ebit = enc;
  ebit[4] |= kFlagError;
  Salvaged e = salvage(ebit);
  EXPECT_TRUE(e.header_fault);
  EXPECT_EQ(e.header.avps, m.avps);
  EXPECT_FALSE(e.header.flags & kFlagError);
}

TEST(DiameterCodec, CommandNames) {
  EXPECT_EQ(command_name(cmd::kMultimediaAuth, true), "MAR");
  EXPECT_EQ(command_name(cmd::kGbaPushInfo, false), "GPA");
  EXPECT_EQ(command_name(999, true), "command-999-request");
}

}  // namespace
}  // namespace prose::diameter
