// The example-config helpers: the directory and test PKI are made once, an existing file is never overwritten, and
// the written file is private to its owner.
#include "prose/config/example_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "prose/util/random.h"

namespace prose::config {
namespace {

namespace fs = std::filesystem;

class ExampleFileTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = fs::temp_directory_path() / ("prose-config-ex-" + std::to_string(random_u64())); }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
};

TEST_F(ExampleFileTest, MakesTheDirectoryAndPkiAndRefusesToOverwrite) {
  auto cfg = prepare_example((dir_ / "sub").string(), "x.toml", {"001010000000001"}, {"r1"});
  ASSERT_TRUE(cfg.ok()) << cfg.error().to_string();
  EXPECT_EQ(*cfg, fs::absolute(dir_ / "sub") / "x.toml");
  EXPECT_TRUE(fs::exists(dir_ / "sub" / "pki" / "ca.pem"));
  EXPECT_FALSE(fs::exists(*cfg));

  ASSERT_TRUE(write_private_file(*cfg, "a = 1\n").ok());
  std::ifstream in(*cfg);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "a = 1\n");
  EXPECT_EQ(fs::status(*cfg).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);

  auto again = prepare_example((dir_ / "sub").string(), "x.toml", {}, {});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(again.error().message, cfg->string() + " already exists");
  // A second file in the same directory reuses the PKI.
  auto ca_time = fs::last_write_time(dir_ / "sub" / "pki" / "ca.pem");
  ASSERT_TRUE(prepare_example((dir_ / "sub").string(), "y.toml", {}, {}).ok());
  EXPECT_EQ(fs::last_write_time(dir_ / "sub" / "pki" / "ca.pem"), ca_time);
}

// The example [tls] section names pki/crl.pem: a new PKI has it, and a PKI from before it gets an empty one.
TEST_F(ExampleFileTest, ThePkiHasACrlAndOperatorCertificates) {
  ASSERT_TRUE(prepare_example((dir_ / "a").string(), "x.toml", {}, {"r1"}, {"ops"}).ok());
  EXPECT_TRUE(fs::exists(dir_ / "a" / "pki" / "crl.pem"));
  EXPECT_TRUE(fs::exists(dir_ / "a" / "pki" / "operator-ops.pem"));
  fs::remove(dir_ / "a" / "pki" / "crl.pem");
  ASSERT_TRUE(prepare_example((dir_ / "a").string(), "y.toml", {}, {}).ok());
  EXPECT_TRUE(fs::exists(dir_ / "a" / "pki" / "crl.pem"));
}

TEST_F(ExampleFileTest, Errors) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "file") << "x";
  auto r = prepare_example((dir_ / "file" / "sub").string(), "x.toml", {}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kIo);
  EXPECT_EQ(r.error().message.rfind("cannot create " + (dir_ / "file" / "sub").string() + ": ", 0), 0u);

  auto w = write_private_file(dir_ / "absent" / "x.toml", "a = 1\n");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().message, "cannot write " + (dir_ / "absent" / "x.toml").string());
}

TEST(ExampleTlsSection, NamesTheCredential) {
  EXPECT_EQ(example_tls_section("pkmf"),
            "[tls]\ncert = \"pki/pkmf.pem\"\nkey = \"pki/pkmf.key\"\nca = \"pki/ca.pem\"\n"
            "# Client certificates revoked by the CA (`prose pki revoke`); re-read on SIGHUP.\n"
            "crl = \"pki/crl.pem\"\n\n");
}

}  // namespace
}  // namespace prose::config
