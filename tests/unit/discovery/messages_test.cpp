// The plain PC5_DISCOVERY codec (prose/discovery/messages.h): exact layout of each relay message type, field range
// checks and every decoder rejection.
#include "prose/discovery/messages.h"

#include <gtest/gtest.h>

#include "prose/discovery/constants.h"
#include "prose/util/hex.h"

namespace prose::discovery {
namespace {

DiscoveryMessage msg(MessageType t, std::uint32_t l2 = 0xabcdef, std::uint8_t status = 0x01) {
  DiscoveryMessage m;
  m.type = t;
  m.relay_service_code = 0x123456;
  m.user_info_id = 0x0102030405a6;
  m.l2_id = l2;
  m.status = t == MessageType::kSolicitation ? 0 : status;
  return m;
}

TEST(Codec, AnnouncementLayout) {
  auto w = encode(msg(MessageType::kAnnouncement), 0xdeadbeef, 0x7f);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(to_hex(*w),
            "91"
            "123456"
            "0102030405a6"
            "abcdef"
            "01"
            "00000000000000000000"
            "deadbeef"
            "7f");
  EXPECT_EQ(w->size(), constants::kMessageSize);
}

TEST(Codec, ResponseLayout) {
  auto w = encode(msg(MessageType::kResponse, 0x000001, 0x80));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(to_hex(*w),
            "92"
            "123456"
            "0102030405a6"
            "000001"
            "80"
            "00000000000000000000"
            "00000000"
            "00");
}

TEST(Codec, SolicitationLayoutWithAndWithoutUeId) {
  auto with = encode(msg(MessageType::kSolicitation, 0x00beef));
  ASSERT_TRUE(with.ok());
  EXPECT_EQ(to_hex(*with),
            "96"
            "123456"
            "0102030405a6"
            "01"
            "00beef"
            "00000000000000000000"
            "00000000"
            "00");
  auto without = encode(msg(MessageType::kSolicitation, 0));
  ASSERT_TRUE(without.ok());
  EXPECT_EQ(to_hex(*without),
            "96"
            "123456"
            "0102030405a6"
            "00"
            "000000"
            "00000000000000000000"
            "00000000"
            "00");
}

TEST(Codec, RoundTripAllTypes) {
  for (auto t : {MessageType::kAnnouncement, MessageType::kSolicitation, MessageType::kResponse}) {
    for (std::uint32_t l2 : {0u, 1u, 0xffffffu}) {
      DiscoveryMessage m = msg(t, l2, 0xff);
      auto w = encode(m, 0x01020304, 0xaa);
      ASSERT_TRUE(w.ok()) << type_short_name(t);
      auto d = decode_pdu(*w);
      ASSERT_TRUE(d.ok()) << d.error().to_string();
      EXPECT_EQ(d->message, m);
      EXPECT_EQ(d->mic, 0x01020304u);
      EXPECT_EQ(d->counter_lsb, 0xaa);
      auto plain = decode(*w);
      ASSERT_TRUE(plain.ok());
      EXPECT_EQ(*plain, m);
    }
  }
}

TEST(Codec, EncodeRejectsOutOfRangeFields) {
  DiscoveryMessage m = msg(MessageType::kAnnouncement);
  m.relay_service_code = 0x1000000;
  EXPECT_EQ(encode(m).error().code, Errc::kInvalidArgument);
  m = msg(MessageType::kAnnouncement);
  m.user_info_id = 0x1000000000000ULL;
  EXPECT_EQ(encode(m).error().code, Errc::kInvalidArgument);
  m = msg(MessageType::kAnnouncement);
  m.l2_id = 0x1000000;
  EXPECT_EQ(encode(m).error().code, Errc::kInvalidArgument);
  m = msg(MessageType::kSolicitation);
  m.status = 1;
  EXPECT_EQ(encode(m).error().code, Errc::kInvalidArgument);
  m = msg(MessageType::kAnnouncement);
  m.type = static_cast<MessageType>(7);
  EXPECT_EQ(encode(m).error().code, Errc::kInvalidArgument);
}

TEST(Codec, DecodeRejections) {
  Bytes good = *encode(msg(MessageType::kAnnouncement));
  EXPECT_EQ(decode(ByteView(good).first(28)).error().code, Errc::kTruncated);
  EXPECT_EQ(decode(ByteView()).error().code, Errc::kTruncated);
  Bytes longer = good;
  longer.push_back(0);
  EXPECT_EQ(decode(longer).error().code, Errc::kMalformed);
  for (std::uint8_t code : {0x00, 0x41, 0x81, 0x82, 0x95, 0xff}) {
    Bytes b = good;
    b[0] = code;
    auto r = decode(b);
    ASSERT_FALSE(r.ok()) << int(code);
    EXPECT_EQ(r.error().code, Errc::kMalformed);
    EXPECT_EQ(r.error().offset, 0u);
  }
  for (std::size_t i = constants::kOffSpare; i < constants::kOffSpare + constants::kSpareSize; ++i) {
    Bytes b = good;
    b[i] = 0x10;
    auto r = decode(b);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::kMalformed);
    EXPECT_EQ(r.error().offset, i);
  }
  Bytes sol = *encode(msg(MessageType::kSolicitation, 0x112233));
  Bytes bad_urds = sol;
  bad_urds[constants::kOffUrds] = 2;
  EXPECT_EQ(decode(bad_urds).error().code, Errc::kMalformed);
  Bytes absent_but_set = sol;
  absent_but_set[constants::kOffUrds] = constants::kUrdsNoUeId;
  EXPECT_EQ(decode(absent_but_set).error().code, Errc::kMalformed);
  Bytes present_but_zero = *encode(msg(MessageType::kSolicitation, 0));
  present_but_zero[constants::kOffUrds] = constants::kUrdsUeIdPresent;
  EXPECT_EQ(decode(present_but_zero).error().code, Errc::kMalformed);
}

TEST(Codec, NamesAndDescribe) {
  EXPECT_EQ(*type_from_name("announcement"), MessageType::kAnnouncement);
  EXPECT_EQ(*type_from_name("solicitation"), MessageType::kSolicitation);
  EXPECT_EQ(*type_from_name("response"), MessageType::kResponse);
  EXPECT_EQ(type_from_name("Announcement").error().code, Errc::kInvalidArgument);
  for (auto t : {MessageType::kAnnouncement, MessageType::kSolicitation, MessageType::kResponse}) {
    EXPECT_EQ(*type_from_code(type_code(t)), t);
  }
  auto d = decode_pdu(*encode(msg(MessageType::kResponse), 0xcafef00d, 3));
  ASSERT_TRUE(d.ok());
  auto lines = describe(*d);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0].first, "Message Type");
  bool saw_info = false, saw_mic = false;
  for (auto& [k, v] : lines) {
    if (k == "Discoveree Info") saw_info = v == "0102030405a6";
    if (k == "MIC") saw_mic = v == "cafef00d";
  }
  EXPECT_TRUE(saw_info);
  EXPECT_TRUE(saw_mic);
}

}  // namespace
}  // namespace prose::discovery
