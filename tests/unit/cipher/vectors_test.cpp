// Every 128-EEA/EIA, SNOW 3G / ZUC keystream, UEA2 and UIA2 vector of shared/spec/test-vectors.md sections 2-4
// (and 3.2 derived), run on both backends.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "prose/cipher/eps_algorithms.h"
#include "prose/util/hex.h"

namespace prose::cipher {
namespace {

struct EeaVector {
  const char* name;
  Eea alg;
  const char* key;
  std::uint32_t count;
  std::uint8_t bearer, direction;
  std::size_t length;
  const char* in;
  const char* out;
};

struct EiaVector {
  const char* name;
  Eia alg;
  const char* key;
  std::uint32_t count;
  std::uint8_t bearer, direction;
  std::size_t length;
  const char* in;
  std::uint32_t mac;
};

constexpr const char* kEea2Set2In =
    "7ec61272743bf1614726446a6c38ced166f6ca76eb5430044286346cef130f92922b03450d3a9975e5bd2ea0eb55ad8e1b199e3ec4316020"
    "e9a1b285e762795359b7bdfd39bef4b2484583d5afe082aee638bf5fd5a606193901a08f4ab41aab9b134880";

const EeaVector kEea[] = {
    // test-vectors.md section 2 (TS 33.401 Annex C via T2)
    {"EEA2 set 1", Eea::kEea2, "d3c5d592327fb11c4035c6680af8c6d1", 0x398a59b4, 0x15, 1, 253,
     "981ba6824c1bfb1ab485472029b71d808ce33e2cc3c0b5fc1f3de8a6dc66b1f0",
     "e9fed8a63d155304d71df20bf3e82214b20ed7dad2f233dc3c22d7bdeeed8e78"},
    {"EEA2 set 2", Eea::kEea2, "2bd6459f82c440e0952c49104805ff48", 0xc675a64b, 0x0c, 1, 798, kEea2Set2In,
     "5961605353c64bdca15b195e288553a910632506d6200aa790c4c806c99904cf2445cc50bb1cf168a49673734e081b57e324ce5259c0e78d"
     "4cd97b870976503c0943f2cb5ae8f052c7b7d392239587b8956086bcab18836042e2e6ce42432a17105c53d0"},
    {"EEA2 set 3", Eea::kEea2, "0a8b6bd8d9b08b08d64e32d1817777fb", 0x544d49cd, 0x04, 0, 310,
     "fd40a41d370a1f65745095687d47ba1d36d2349e23f644392c8ea9c49d40c13271aff264d0f24800",
     "75750d37b4bba2a4dedb34235bd68c6645acdaaca48138a3b0c471e2a7041a576423d2927287f0"},
    // section 3: UEA2 (f8) / 128-EEA1
    {"UEA2/EEA1 set 1", Eea::kEea1, "2bd6459f82c5b300952c49104881ff48", 0x72a4f20f, 0x0c, 1, 798, kEea2Set2In,
     "8ceba62943dced3a0990b06ea1b0a2c4fb3cedc71b369f42ba64c1eb6665e72aa1c9bb0deaa20fe86058b8baee2c2e7f0becce48b52932a5"
     "3c9d5f931a3a7c532259af4325e2a65e3084ad5f6a513b7bddc1b65f0aa0d97a053db55a88c4c4f9605e4140"},
    {"UEA2/EEA1 set 2", Eea::kEea1, "efa8b2229e720c2a7c36ea55e9605695", 0xe28bcf7b, 0x18, 0, 510,
     "10111231e060253a43fd3f57e37607ab2827b599b6b1bbda37a8abcc5a8c550d1bfb2f494624fb50367fa36ce3bc68f11cf93b1510376b02"
     "130f812a9fa169d8",
     "e0da15ca8e2554f5e56c9468dc6c7c129c568aa5032317e04e0729646cabefa689864c410f24f919e61e3dfdfad77e560db0a9cd36c34ae4"
     "181490b29f5fa2fc"},
    {"UEA2/EEA1 set 3", Eea::kEea1, "5acb1d644c0d51204ea5f1451010d852", 0xfa556b26, 0x03, 1, 120,
     "ad9c441f890b38c457a49d421407e8", "ba0f31300334c56b52a7497cbac046"},
    // section 3.2 [DERIVED]: 128-EEA1 on the EEA2 inputs
    {"EEA1 on EEA2 set 1", Eea::kEea1, "d3c5d592327fb11c4035c6680af8c6d1", 0x398a59b4, 0x15, 1, 253,
     "981ba6824c1bfb1ab485472029b71d808ce33e2cc3c0b5fc1f3de8a6dc66b1f0",
     "5d5bfe75eb04f68ce0a12377ea00b37d47c6a0ba06309155086a859c4341b378"},
    {"EEA1 on EEA2 set 2", Eea::kEea1, "2bd6459f82c440e0952c49104805ff48", 0xc675a64b, 0x0c, 1, 798, kEea2Set2In,
     "3f67850714b8da69efb727ed7a6c0c50714ad736c4f5600006e3525be807c467c677ff864af45fba09c27cde38f87a1f84d59ab255408f2c"
     "7b82f9ead41a1fe65eabebfbc1f3a4c56c9a26fcf7b3d66d0220ee4775bc58170a2b12f3431d11b344d6e36c"},
    {"EEA1 on EEA2 set 3", Eea::kEea1, "0a8b6bd8d9b08b08d64e32d1817777fb", 0x544d49cd, 0x04, 0, 310,
     "fd40a41d370a1f65745095687d47ba1d36d2349e23f644392c8ea9c49d40c13271aff264d0f24800",
     "48148e5452a210c05f46bc80dc6f73495b02048c1b958b026102ca97280279a4c18d2ee308921c"},
    // section 4: 128-EEA3
    {"EEA3 set 1", Eea::kEea3, "173d14ba5003731d7a60049470f00a29", 0x66035492, 0x0f, 0, 193,
     "6cf65340735552ab0c9752fa6f9025fe0bd675d9005875b200000000", "a6c85fc66afb8533aafc2518dfe784940ee1e4b030238cc800"},
    {"EEA3 set 2", Eea::kEea3, "e5bd3ea0eb55ade866c6ac58bd54302a", 0x00056823, 0x18, 1, 800,
     "14a8ef693d678507bbe7270a7f67ff5006c3525b9807e467c4e56000ba338f5d429559036751822246c80d3b38f07f4be2d8ff5805f51322"
     "29bde93bbbdcaf382bf1ee972fbf9977bada8945847a2a6c9ad34a667554e04d1f7fa2c33241bd8f01ba220d",
     "131d43e0dea1be5c5a1bfd971d852cbf712d7b4f57961fea3208afa8bca433f456ad09c7417e58bc69cf8866d1353f74865e80781d202dfb"
     "3ecff7fcbc3b190fe82a204ed0e350fc0f6f2613b2f2bca6df5a473a57a4a00d985ebad880d6f23864a07b01"},
    {"EEA3 set 3", Eea::kEea3, "d4552a8fd6e61cc81a2009141a29c10b", 0x76452ec1, 0x02, 1, 1570,
     "38f07f4be2d8ff5805f5132229bde93bbbdcaf382bf1ee972fbf9977bada8945847a2a6c9ad34a667554e04d1f7fa2c33241bd8f01ba220d"
     "3ca4ec41e074595f54ae2b454fd971432043601965cca85c2417ed6cbec3bada84fc8a579aea7837b0271177242a64dc0a9de71a8edee86c"
     "a3d47d033d6bf539804eca86c584a9052de46ad3fced65543bd90207372b27afb79234f5ff43ea870820e2c2b78a8aae61cce52a0515e348"
     "d196664a3456b182a07c406e4a20791271cfeda165d535ec5ea2d4df40000000",
     "8383b0229fcc0b9d2295ec41c977e9c2bb72e220378141f9c8318f3a270dfbcdee6411c2b3044f176dc6e00f8960f97afacd131ad6a3b49b"
     "16b7babcf2a509ebb16a75dcab14ff275dbeeea1a2b155f9d52c26452d0187c310a4ee55beaa78ab4024615ba9f5d5adc7728f73560671f0"
     "13e5e550085d3291df7d5fecedded559641b6c2f585233bc71e9602bd2305855bbd25ffa7f17ecbc042daae38c1f57ad8e8ebd37346f71be"
     "fdbb7432e0e0bb2cfc09bcd96570cb0c0c39df5e29294e82703a637f80"},
};

const EiaVector kEia[] = {
    {"EIA2 set 1", Eia::kEia2, "2bd6459f82c5b300952c49104881ff48", 0x38a6f056, 0x18, 0, 58, "3332346263393840",
     0x118c6eb8},
    {"EIA2 set 2", Eia::kEia2, "d3c5d592327fb11c4035c6680af8c6d1", 0x398a59b4, 0x1a, 1, 64, "484583d5afe082ae",
     0xb93787e6},
    {"EIA2 set 3", Eia::kEia2, "7e5e94431e11d73828d739cc6ced4573", 0x36af6144, 0x18, 1, 254,
     "b3d3c9170a4e1632f60f861013d22d84b726b6a278d802d1eeaf1321ba5929dc", 0x1f60b01d},
    {"EIA2 set 4", Eia::kEia2, "d3419be821087acd02123a9248033359", 0xc7590ea9, 0x17, 0, 511,
     "bbb057038809496bcff86d6fbc8ce5b135a06b166054f2d565be8ace75dc851e0bcdd8f07141c495872fb5d8c0c66a8b6da556663e4e4612"
     "05d84580bee5bc7e",
     0x6846a2f0},
    {"EIA1 set 1", Eia::kEia1, "2bd6459f82c5b300952c49104881ff48", 0x38a6f056, 0x1f, 0, 88,
     "33323462633938613734790000000000", 0x731f1165},
    {"EIA1 set 2", Eia::kEia1, "7e5e94431e11d73828d739cc6ced4573", 0x36af6144, 0x18, 1, 254,
     "b3d3c9170a4e1632f60f861013d22d84b726b6a278d802d1eeaf1321ba5929dc", 0xe3259f6f},
    {"EIA1 set 3", Eia::kEia1, "d3419be821087acd02123a9248033359", 0xc7590ea9, 0x17, 0, 511,
     "bbb057038809496bcff86d6fbc8ce5b135a06b166054f2d565be8ace75dc851e0bcdd8f07141c495872fb5d8c0c66a8b6da556663e4e4612"
     "05d84580bee5bc7e",
     0x9a16c77d},
    {"EIA3 set 1", Eia::kEia3, "00000000000000000000000000000000", 0, 0, 0, 1, "00000000", 0xc8a9595e},
    {"EIA3 set 2", Eia::kEia3, "47054125561eb2dda94059da05097850", 0x561eb2dd, 0x14, 0, 90, "000000000000000000000000",
     0x6719a088},
    {"EIA3 set 3", Eia::kEia3, "c9e6cec4607c72db000aefa88385ab0a", 0xa94059da, 0x0a, 1, 577,
     "983b41d47d780c9e1ad11d7eb70391b1de0b35da2dc62f83e7b78d6306ca0ea07e941b7be91348f9fcb170e2217fecd97f9f68adb16e5d7d"
     "21e569d280ed775cebde3f4093c5388100000000",
     0xfae8ff0b},
    // T3 (open5gs) non-official variant of set 3, re-computed in test-vectors.md section 4.
    {"EIA3 set 3 at 584 bits", Eia::kEia3, "c9e6cec4607c72db000aefa88385ab0a", 0xa94059da, 0x0a, 1, 584,
     "983b41d47d780c9e1ad11d7eb70391b1de0b35da2dc62f83e7b78d6306ca0ea07e941b7be91348f9fcb170e2217fecd97f9f68adb16e5d7d"
     "21e569d280ed775cebde3f4093c5388100000000",
     0x24a842b3},
};

struct Uia2Vector {
  const char* key;
  std::uint32_t count, fresh;
  std::uint8_t direction;
  std::size_t length;
  const char* in;
  std::uint32_t mac;
};
const Uia2Vector kUia2[] = {
    {"2bd6459f82c5b300952c49104881ff48", 0x38a6f056, 0x05d2ec49, 0, 189,
     "6b227737296f393c8079353edc87e2e805d2ec49a4f2d8e0", 0x2bce1820},
    {"d42f682428201cafcd9f97945e6de7b7", 0x3edc87e2, 0xa4f2d8e2, 1, 254,
     "b5924384328a4ae00b737109f8b6c8dd2b4db63dd533981ceb19aad52a5b2bc0", 0xfc7b18bd},
    {"fdb9cfdf28936cc483a31869d81b8fab", 0x36af6144, 0x9838f03a, 1, 319,
     "5932bc0ace2b0aba33d8ac188ac54f346fad10bf9dee2920b43bd0c53a915cb7df6caa72053abff2", 0x02f1faaf},
};

struct KeystreamVector {
  const char* key;
  const char* iv;
  const char* ks;
};
const KeystreamVector kSnow3gKs[] = {
    {"2bd6459f82c5b300952c49104881ff48", "ea024714ad5c4d84df1f9b251c0bf45f", "abee97047ac31373"},
    {"8ce33e2cc3c0b5fc1f3de8a6dc66b1f3", "d3c5d592327fb11cde551988ceb2f9b7", "eff8a342f751480f"},
    {"4035c6680af8c6d1a8ff8667b1714013", "62a540981ba6f9b74592b0e78690f71b", "a8c874a97ae7c4f8"},
};
const KeystreamVector kZucKs[] = {
    {"00000000000000000000000000000000", "00000000000000000000000000000000", "27bede74018082da"},
    {"ffffffffffffffffffffffffffffffff", "ffffffffffffffffffffffffffffffff", "0657cfa07096398b"},
    {"3d4c4be96a82fdaeb58f641db17b455b", "84319aa8de6915ca1f6bda6bfbd8c766", "14f1c2723279c419"},
};

class Vectors : public ::testing::TestWithParam<std::string> {
 protected:
  Backend& backend() {
    auto b = backend_by_name(GetParam());
    if (!b.ok()) {
      ADD_FAILURE() << "backend " << GetParam() << ": " << b.error().to_string();
      return portable_backend();
    }
    return **b;
  }
};

TEST_P(Vectors, Eea) {
  Backend& b = backend();
  for (const auto& v : kEea) {
    SCOPED_TRACE(v.name);
    const Bytes key = hex_literal(v.key), in = hex_literal(v.in), want = hex_literal(v.out);
    const EpsParams p{v.count, v.bearer, v.direction};
    Bytes out(in.size(), 0xAA);
    ASSERT_TRUE(b.eea(v.alg, key, p, in, v.length, out).ok());
    out.resize((v.length + 7) / 8);
    EXPECT_EQ(to_hex(out), to_hex(want));
    // In place, then decrypt back: the plaintext with the bits after LENGTH zeroed.
    Bytes buf = in;
    ASSERT_TRUE(b.eea(v.alg, key, p, buf, v.length, buf).ok());
    EXPECT_EQ(to_hex(ByteView(buf).first(want.size())), to_hex(want));
    ASSERT_TRUE(b.eea(v.alg, key, p, buf, v.length, buf).ok());
    Bytes plain = in;
    plain.resize(want.size());
    if (v.length % 8) plain.back() &= static_cast<std::uint8_t>(0xFF00u >> (v.length % 8));
    EXPECT_EQ(to_hex(ByteView(buf).first(want.size())), to_hex(plain));
  }
}

TEST_P(Vectors, Eia) {
  Backend& b = backend();
  for (const auto& v : kEia) {
    SCOPED_TRACE(v.name);
    const Bytes key = hex_literal(v.key), in = hex_literal(v.in);
    auto mac = b.eia(v.alg, key, EpsParams{v.count, v.bearer, v.direction}, in, v.length);
    ASSERT_TRUE(mac.ok()) << mac.error().to_string();
    EXPECT_EQ(*mac, v.mac);
    // Bits after LENGTH are ignored.
    Bytes noisy = in;
    if (v.length % 8) noisy[v.length / 8] ^= static_cast<std::uint8_t>(0xFFu >> (v.length % 8));
    for (std::size_t i = (v.length + 7) / 8; i < noisy.size(); ++i) noisy[i] ^= 0x5A;
    auto mac2 = b.eia(v.alg, key, EpsParams{v.count, v.bearer, v.direction}, noisy, v.length);
    ASSERT_TRUE(mac2.ok());
    EXPECT_EQ(*mac2, v.mac);
  }
}

TEST_P(Vectors, Uia2) {
  Backend& b = backend();
  int i = 0;
  for (const auto& v : kUia2) {
    SCOPED_TRACE("UIA2 set " + std::to_string(++i));
    auto mac = b.uia2(hex_literal(v.key), v.count, v.fresh, v.direction, hex_literal(v.in), v.length);
    ASSERT_TRUE(mac.ok()) << mac.error().to_string();
    EXPECT_EQ(*mac, v.mac);
  }
}

TEST_P(Vectors, Snow3gKeystream) {
  Backend& b = backend();
  for (const auto& v : kSnow3gKs) {
    Bytes out(8);
    ASSERT_TRUE(b.snow3g_keystream(hex_literal(v.key), hex_literal(v.iv), out).ok());
    EXPECT_EQ(to_hex(out), v.ks);
  }
}

TEST_P(Vectors, ZucKeystream) {
  Backend& b = backend();
  for (const auto& v : kZucKs) {
    Bytes out(8);
    ASSERT_TRUE(b.zuc_keystream(hex_literal(v.key), hex_literal(v.iv), out).ok());
    EXPECT_EQ(to_hex(out), v.ks);
  }
}

TEST_P(Vectors, NullAlgorithms) {
  Backend& b = backend();
  const Bytes key(16, 1), in = hex_literal("0123456789abcdef");
  Bytes out(8);
  ASSERT_TRUE(b.eea(Eea::kEea0, key, EpsParams{}, in, 61, out).ok());
  EXPECT_EQ(to_hex(out), "0123456789abcde8");
  auto mac = b.eia(Eia::kEia0, key, EpsParams{}, in, 64);
  ASSERT_TRUE(mac.ok());
  EXPECT_EQ(*mac, 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, Vectors, ::testing::Values("portable", "ipsec-mb"),
                         [](const auto& info) { return info.param == "portable" ? "portable" : "ipsec_mb"; });

}  // namespace
}  // namespace prose::cipher
