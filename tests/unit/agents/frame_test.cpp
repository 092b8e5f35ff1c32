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
}

TEST(Frame, EncodeIntoAndViewMatchTheCopyingForms) {
  std::uint8_t buf[kMaxFrameSize];
  auto n = encode_frame_into(0x00aa01, 0x00ee02, Bytes{7, 8}, buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(Bytes(buf, buf + *n), *encode_frame(Frame{0x00aa01, 0x00ee02, Bytes{7, 8}}));
  auto v = decode_frame_view(ByteView(buf, *n));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->src, 0x00aa01u);
  EXPECT_EQ(v->dst, 0x00ee02u);
  EXPECT_EQ(v->pdu.data(), buf + kFrameHeaderSize) << "a view into the buffer, not a copy";
  EXPECT_EQ(v->pdu.size(), 2u);
  EXPECT_FALSE(encode_frame_into(1, 2, Bytes{}, buf).ok());
  EXPECT_FALSE(encode_frame_into(1, 2, Bytes(kMaxFrameSize - kFrameHeaderSize + 1, 0), buf).ok());
  EXPECT_FALSE(encode_frame_into(0x1000000, 2, Bytes{1}, buf).ok());
  EXPECT_FALSE(decode_frame_view(Bytes(kMaxFrameSize + 1, 0)).ok());
}

}  // namespace
}  // namespace prose::agents
