// Bad input: a clear error and nothing written.
#include <gtest/gtest.h>

#include <cstdlib>

#include "prose/cipher/eps_algorithms.h"

namespace prose::cipher {
namespace {

class Errors : public ::testing::TestWithParam<std::string> {
 protected:
  Backend& backend() {
    auto b = backend_by_name(GetParam());
    EXPECT_TRUE(b.ok());
    return b.ok() ? **b : portable_backend();
  }
};

TEST_P(Errors, BadKeyLength) {
  Backend& b = backend();
  const Bytes msg(16, 0);
  for (std::size_t n : {0u, 15u, 17u, 32u}) {
    const Bytes key(n, 1);
    for (unsigned alg = 0; alg <= 3; ++alg) {
      Bytes out(16, 0xEE);
      auto s = b.eea(static_cast<Eea>(alg), key, EpsParams{}, msg, 128, out);
      ASSERT_FALSE(s.ok());
      EXPECT_EQ(s.error().code, Errc::kInvalidArgument);
      EXPECT_NE(s.error().message.find("key"), std::string::npos);
      EXPECT_EQ(out, Bytes(16, 0xEE));
      EXPECT_FALSE(b.eia(static_cast<Eia>(alg), key, EpsParams{}, msg, 128).ok());
    }
  }
}

TEST_P(Errors, BearerAndDirectionOutOfRange) {
  Backend& b = backend();
  const Bytes key(16, 1), msg(16, 0);
  Bytes out(16, 0xEE);
  for (unsigned alg = 0; alg <= 3; ++alg) {
    auto s = b.eea(static_cast<Eea>(alg), key, EpsParams{0, 32, 0}, msg, 128, out);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("BEARER"), std::string::npos);
    auto d = b.eea(static_cast<Eea>(alg), key, EpsParams{0, 0, 2}, msg, 128, out);
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.error().message.find("DIRECTION"), std::string::npos);
    EXPECT_FALSE(b.eia(static_cast<Eia>(alg), key, EpsParams{0, 32, 0}, msg, 128).ok());
    EXPECT_FALSE(b.eia(static_cast<Eia>(alg), key, EpsParams{0, 0, 2}, msg, 128).ok());
  }
  EXPECT_EQ(out, Bytes(16, 0xEE));
  EXPECT_FALSE(b.uia2(key, 0, 0, 2, msg, 8).ok());
}

TEST_P(Errors, LengthLongerThanData) {
  Backend& b = backend();
  const Bytes key(16, 1), msg(16, 0);
  Bytes out(32, 0xEE);
  for (unsigned alg = 0; alg <= 3; ++alg) {
    auto s = b.eea(static_cast<Eea>(alg), key, EpsParams{}, msg, 129, out);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("LENGTH"), std::string::npos);
    auto m = b.eia(static_cast<Eia>(alg), key, EpsParams{}, msg, 129);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().code, Errc::kInvalidArgument);
  }
  EXPECT_EQ(out, Bytes(32, 0xEE));
  EXPECT_FALSE(b.uia2(key, 0, 0, 0, msg, 129).ok());
}

TEST_P(Errors, OutputTooSmall) {
  Backend& b = backend();
  const Bytes key(16, 1), msg(16, 0);
  Bytes out(15, 0xEE);
  EXPECT_FALSE(b.eea(Eea::kEea1, key, EpsParams{}, msg, 121, out).ok());
  EXPECT_TRUE(b.eea(Eea::kEea1, key, EpsParams{}, msg, 120, out).ok());
}

TEST_P(Errors, ZeroLengthIsFine) {
  Backend& b = backend();
  const Bytes key(16, 1);
  Bytes out;
  for (unsigned alg = 0; alg <= 3; ++alg) {
    EXPECT_TRUE(b.eea(static_cast<Eea>(alg), key, EpsParams{}, ByteView{}, 0, out).ok());
    EXPECT_TRUE(b.eia(static_cast<Eia>(alg), key, EpsParams{}, ByteView{}, 0).ok());
  }
}

TEST_P(Errors, BadKeystreamArguments) {
  Backend& b = backend();
  Bytes out(8);
  EXPECT_FALSE(b.snow3g_keystream(Bytes(15), Bytes(16), out).ok());
  EXPECT_FALSE(b.snow3g_keystream(Bytes(16), Bytes(8), out).ok());
  EXPECT_FALSE(b.zuc_keystream(Bytes(17), Bytes(16), out).ok());
  EXPECT_FALSE(b.zuc_keystream(Bytes(16), Bytes(0), out).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, Errors, ::testing::Values("portable", "ipsec-mb"),
                         [](const auto& info) { return info.param == "portable" ? "portable" : "ipsec_mb"; });

TEST(Identities, FromId) {
  for (unsigned id = 0; id <= 3; ++id) {
    ASSERT_TRUE(eea_from_id(id).ok());
    EXPECT_EQ(static_cast<unsigned>(*eea_from_id(id)), id);
    ASSERT_TRUE(eia_from_id(id).ok());
    EXPECT_EQ(static_cast<unsigned>(*eia_from_id(id)), id);
  }
  for (unsigned id : {4u, 7u, 15u, 255u}) {
    EXPECT_EQ(eea_from_id(id).error().code, Errc::kUnsupported);
    EXPECT_EQ(eia_from_id(id).error().code, Errc::kUnsupported);
  }
}

TEST(Backends, Selection) {
  EXPECT_EQ(portable_backend().kind(), BackendKind::kPortable);
  EXPECT_EQ(portable_backend().name(), "portable");
  auto mb = ipsec_mb_backend();
  ASSERT_TRUE(mb.ok()) << "this machine's CPU runs ipsec-mb (AES-NI/AVX)";
  EXPECT_EQ((*mb)->kind(), BackendKind::kIpsecMb);
  EXPECT_EQ((*mb)->name(), "ipsec-mb");
  auto bad = backend_by_name("openssl");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::kInvalidArgument);
  // default_backend(): PROSE_CIPHER_BACKEND is read once; whatever was chosen is one of the two.
  const Backend& d = default_backend();
  const char* env = std::getenv("PROSE_CIPHER_BACKEND");
  if (env != nullptr && std::string(env) == "portable") {
    EXPECT_EQ(d.kind(), BackendKind::kPortable);
  } else {
    EXPECT_EQ(d.kind(), BackendKind::kIpsecMb);
  }
}

}  // namespace
}  // namespace prose::cipher
