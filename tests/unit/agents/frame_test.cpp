#include <gtest/gtest.h>

#include "prose/agents/frame.h"

namespace prose::agents {
namespace {

TEST(Frame, RoundTripAndErrors) {
  auto b = encode_frame(Frame{0x00aa01, 0xffffff, Bytes{1, 2, 3}});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, (Bytes{0x00, 0xaa, 0x01, 0xff, 0xff, 0xff, 1, 2, 3}));
  auto f = decode_frame(*b);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->src, 0x00aa01u);
  EXPECT_EQ(f->dst, 0xffffffu);
  EXPECT_FALSE(decode_frame(Bytes{1, 2, 3, 4, 5, 6}).ok());  // no PDU
  EXPECT_FALSE(decode_frame(Bytes{1, 2}).ok());
  EXPECT_FALSE(encode_frame(Frame{0x1000000, 1, Bytes{1}}).ok());
  EXPECT_FALSE(decode_discovery(Bytes{9, 0, 0, 1}).ok());
  auto d = decode_discovery(*encode_discovery(Discovery{DiscoveryType::kSolicitation, 0xabcd}));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->relay_service_code, 0xabcdu);
}

}  // namespace
}  // namespace prose::agents
