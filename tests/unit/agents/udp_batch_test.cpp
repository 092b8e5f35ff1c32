// recvmmsg/sendmmsg batches over real loopback sockets: order, sender ports, a batch boundary, truncation, and the
// sidelink's outbox that holds frames until flush().
#include <gtest/gtest.h>

#include "prose/agents/sidelink.h"
#include "prose/agents/udp_batch.h"

namespace prose::agents {
namespace {

Bytes numbered(std::size_t i, std::size_t size) {
  Bytes b(size, static_cast<std::uint8_t>(i));
  b[0] = static_cast<std::uint8_t>(i >> 8);
  return b;
}

TEST(UdpBatch, ManyDatagramsInOrderAcrossABatchBoundary) {
  LoopbackUdp a, b;
  ASSERT_TRUE(a.bind(0).ok());
  ASSERT_TRUE(b.bind(0).ok());
  a.set_buffers(1 << 20);
  b.set_buffers(1 << 20);
  UdpSendBatch out(2048);
  constexpr std::size_t kCount = kUdpBatchSlots + 36;
  for (std::size_t i = 0; i < kCount; ++i) ASSERT_TRUE(out.add(a, b.port(), numbered(i, 100 + i)));
  EXPECT_EQ(out.flush(a), kCount - kUdpBatchSlots) << "add() flushed the first full batch itself";
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(b.wait(1000));
  UdpReceiveBatch in(2048);
  std::size_t got = 0;
  for (bool more = true; more;) {
    const std::size_t n = in.receive(b);
    more = n == in.slots();
    for (std::size_t i = 0; i < n; ++i, ++got) {
      EXPECT_EQ(Bytes(in.datagram(i).begin(), in.datagram(i).end()), numbered(got, 100 + got));
      EXPECT_EQ(in.from_port(i), a.port());
      EXPECT_FALSE(in.truncated(i));
    }
  }
  EXPECT_EQ(got, kCount);
  EXPECT_EQ(in.receive(b), 0u) << "nothing left";
}

TEST(UdpBatch, OversizeDatagramsAreRefusedOrFlaggedAsTruncated) {
  LoopbackUdp a, b;
  ASSERT_TRUE(a.bind(0).ok());
  ASSERT_TRUE(b.bind(0).ok());
  UdpSendBatch out(64);
  EXPECT_FALSE(out.add(a, b.port(), Bytes(65, 1)));
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(a.send_to(b.port(), Bytes(100, 2)));
  ASSERT_TRUE(b.wait(1000));
  UdpReceiveBatch in(64, 4);
  ASSERT_EQ(in.receive(b), 1u);
  EXPECT_TRUE(in.truncated(0));
  EXPECT_EQ(in.datagram(0).size(), 64u);
}

TEST(UdpBatch, TheSidelinkOutboxHoldsFramesUntilFlush) {
  LoopbackUdp peer;
  ASSERT_TRUE(peer.bind(0).ok());
  SidelinkConfig c;
  c.port = 0;
  c.peers = {peer.port()};
  Sidelink sl(c);
  ASSERT_TRUE(sl.open().ok());
  sl.set_batching(true);
  for (std::uint8_t i = 1; i <= 3; ++i) sl.send(0x00aa01, 0x00ee01, Bytes{i, i});
  EXPECT_FALSE(peer.wait(50)) << "nothing leaves before flush()";
  sl.flush();
  ASSERT_TRUE(peer.wait(1000));
  UdpReceiveBatch in(kMaxFrameSize);
  ASSERT_EQ(in.receive(peer), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    auto f = decode_frame_view(in.datagram(i));
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(f->pdu[0], i + 1);
  }
}

}  // namespace
}  // namespace prose::agents
