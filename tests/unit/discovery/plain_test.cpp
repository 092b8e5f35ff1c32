// The emulation's unprotected discovery PDU (prose/discovery/plain.h): exactly 4 octets, a known type.
#include <gtest/gtest.h>

#include "prose/discovery/plain.h"

namespace prose::discovery {
namespace {

TEST(PlainDiscovery, RoundTripsEveryTypeAndRefusesOthers) {
  for (auto t : {DiscoveryType::kAnnouncement, DiscoveryType::kSolicitation, DiscoveryType::kResponse}) {
    auto b = encode_discovery(Discovery{t, 0xabcd});
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->size(), kDiscoverySize);
    EXPECT_EQ((*b)[0], static_cast<std::uint8_t>(t));
    auto d = decode_discovery(*b);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->type, t);
    EXPECT_EQ(d->relay_service_code, 0xabcdu);
  }
  EXPECT_EQ(*encode_discovery(Discovery{DiscoveryType::kSolicitation, 0x00abcd}), (Bytes{2, 0x00, 0xab, 0xcd}));
  EXPECT_FALSE(decode_discovery(Bytes{9, 0, 0, 1}).ok());                                   // unknown type
  EXPECT_FALSE(decode_discovery(Bytes{0, 0, 0, 1}).ok());                                   // unknown type
  EXPECT_FALSE(decode_discovery(Bytes{1, 0, 0}).ok());                                      // short
  EXPECT_FALSE(decode_discovery(Bytes{1, 0, 0, 1, 0}).ok());                                // long
  EXPECT_FALSE(encode_discovery(Discovery{DiscoveryType::kAnnouncement, 0x1000000}).ok());  // RSC over 24 bit
}

}  // namespace
}  // namespace prose::discovery
