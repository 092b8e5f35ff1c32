// The fuzz seed corpus fuzz/corpus/pc5_decode/ is the encoding of every sample message. This test checks that the
// committed files are exactly that; run with PROSE_REGEN_CORPUS=1 to (re)write them.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "prose/pc5/codec.h"
#include "samples.h"

namespace prose::pc5 {
namespace {

TEST(Pc5Corpus, SeedCorpusIsTheEncodingOfEverySample) {
  const std::filesystem::path dir = std::filesystem::path(PROSE_SOURCE_DIR) / "fuzz/corpus/pc5_decode";
  const bool regen = std::getenv("PROSE_REGEN_CORPUS") != nullptr;
  auto samples = testing::full_samples();
  for (std::size_t i = 0; i < samples.size(); ++i) {
    Bytes wire = *encode(samples[i]);
    char name[32];
    std::snprintf(name, sizeof name, "sample_%02zu.bin", i);
    const auto path = dir / name;
    if (regen) {
      std::filesystem::create_directories(dir);
      std::ofstream(path, std::ios::binary)
          .write(reinterpret_cast<const char*>(wire.data()), static_cast<std::streamsize>(wire.size()));
    }
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in) << path << " missing: run unit_pc5 with PROSE_REGEN_CORPUS=1";
    Bytes file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(file, wire) << path;
    EXPECT_TRUE(decode(file).ok()) << path;
  }
}

}  // namespace
}  // namespace prose::pc5
