#include <gtest/gtest.h>

#include <filesystem>

#include "prose/agents/frame.h"
#include "prose/agents/key_store.h"
#include "prose/util/random.h"

namespace prose::agents {
namespace {

SecretBytes key(std::uint8_t b) { return SecretBytes(Bytes(32, b)); }

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

TEST(KeyStore, ReplacementRules) {
  KeyStore ks;
  ks.add_mikey_pruk("p", 1, key(1));
  ks.add_mikey_pruk("p", 2, key(2));  // MIKEY replaces the previous
  ASSERT_EQ(ks.keys("p")->pruks.size(), 1u);
  EXPECT_EQ(ks.current("p")->pruk_id, 2u);
  ks.add_gba_pruk("p", 3, key(3));
  ks.add_gba_pruk("p", 4, key(4));  // unused GBA Push PRUK overwritten; MIKEY one kept
  ASSERT_EQ(ks.keys("p")->pruks.size(), 2u);
  EXPECT_EQ(ks.current("p")->pruk_id, 4u);
  ks.mark_used("p", 4);  // every older PRUK deleted
  ASSERT_EQ(ks.keys("p")->pruks.size(), 1u);
  EXPECT_TRUE(ks.current("p")->used);
  ks.add_gba_pruk("p", 5, key(5));  // a used GBA Push PRUK is not overwritten
  EXPECT_EQ(ks.keys("p")->pruks.size(), 2u);
  EXPECT_EQ(ks.current("q"), nullptr);
}

TEST(KeyStore, EncryptedAtRest) {
  auto path = (std::filesystem::temp_directory_path() / ("ks-" + std::to_string(random_u64()))).string();
  KeyStore ks;
  ks.set_pmk("p", 7, key(9), 0x11223344);
  ks.add_mikey_pruk("p", 1, key(1));
  ASSERT_TRUE(ks.save(path, key(0xaa)).ok());
  auto back = KeyStore::load(path, key(0xaa));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->current("p")->pruk_id, 1u);
  EXPECT_EQ(*back->keys("p")->key_type_id, 0x11223344u);
  EXPECT_FALSE(KeyStore::load(path, key(0xbb)).ok());  // wrong KEK
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace prose::agents
