// The shared TOML reader of the server configurations: parse errors with line and column, unknown sections, typed
// keys with "wrong type" and ranges, paths relative to the configuration file, and the [tls] and [store] blocks.
#include "prose/config/toml_reader.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "prose/util/random.h"

namespace prose::config {
namespace {

namespace fs = std::filesystem;

const std::string kKek(64, 'a');

class TomlReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("prose-config-" + std::to_string(random_u64()));
    fs::create_directories(dir_);
    file_ = (dir_ / "x.toml").string();
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  toml::table parse(const std::string& text) {
    std::ofstream(file_) << text;
    auto t = parse_file(file_);
    EXPECT_TRUE(t.ok()) << t.error().to_string();
    return t.ok() ? std::move(*t) : toml::table{};
  }
  void touch(const std::string& name) { std::ofstream(dir_ / name) << "x\n"; }
  static std::string message(const TomlReader& r) { return r.error() ? r.error()->message : std::string("(ok)"); }

  fs::path dir_;
  std::string file_;
};

TEST_F(TomlReaderTest, ParseErrorNamesFileLineAndColumn) {
  std::ofstream(file_) << "[a]\nx = 1\ny = = 2\n";
  auto t = parse_file(file_);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(t.error().message.rfind(file_ + ":3:", 0), 0u) << t.error().message;
}

TEST_F(TomlReaderTest, UnknownSection) {
  auto t = parse("[a]\n[b]\n");
  EXPECT_TRUE(check_sections(t, file_, {"a", "b"}).ok());
  auto s = check_sections(t, file_, {"a"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, file_ + ": unknown section [b]");
}

TEST_F(TomlReaderTest, TypedKeysAndRanges) {
  auto t = parse("[s]\nn = 7\nbig = 70000\nb = true\nstr = \"v\"\nf = 8443.0\n");
  TomlReader r(file_);
  const toml::table* s = r.table(t, "s");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(r.num(s, "s", "n", 1, 0, 10), 7);
  EXPECT_EQ(r.num(s, "s", "absent", 3, 0, 10), 3);
  EXPECT_TRUE(r.flag(s, "s", "b", false));
  EXPECT_EQ(r.str(s, "s", "str", "d"), "v");
  EXPECT_EQ(r.str(s, "s", "absent", "d"), "d");
  EXPECT_EQ(r.str(nullptr, "s", "str", "d"), "d");
  EXPECT_TRUE(r.ok()) << message(r);
  r.num(s, "s", "big", 1, 0, 65535);
  EXPECT_EQ(message(r), file_ + ": s.big: must be between 0 and 65535");
  r.bad("s.other", "later problems are dropped");
  EXPECT_EQ(message(r), file_ + ": s.big: must be between 0 and 65535");
}

TEST_F(TomlReaderTest, ExactTypesRejectConversions) {
  auto t = parse("[s]\nf = 8443.0\n");
  TomlReader r(file_);
  EXPECT_EQ(r.num(r.table(t, "s"), "s", "f", 1, 0, 65535), 1);
  EXPECT_EQ(message(r), file_ + ": s.f: wrong type");

  TomlReader p(file_, TomlReader::Types::kPermissive);
  EXPECT_EQ(p.num(p.table(t, "s"), "s", "f", 1, 0, 65535), 8443);
  EXPECT_TRUE(p.ok()) << message(p);
  EXPECT_EQ(p.str(p.table(t, "s"), "s", "f", ""), "");
  EXPECT_EQ(message(p), file_ + ": s.f: wrong type");
}

TEST_F(TomlReaderTest, FloatsOutOfTheIntegerRangeAreTheWrongType) {
  auto t = parse("[s]\nhuge = 8.4e93\nneg = -1e19\ninf = inf\nnan = nan\nfrac = 2.5\nedge = -9223372036854775808.0\n");
  for (const char* key : {"huge", "neg", "inf", "nan", "frac"}) {
    TomlReader p(file_, TomlReader::Types::kPermissive);
    EXPECT_EQ(p.num(p.table(t, "s"), "s", key, 1, 0, 65535), 1) << key;
    EXPECT_EQ(message(p), file_ + ": s." + key + ": wrong type");
  }
  TomlReader p(file_, TomlReader::Types::kPermissive);
  EXPECT_EQ(p.get<std::int64_t>(p.table(t, "s"), "s", "edge"), INT64_MIN);
  EXPECT_TRUE(p.ok()) << message(p);
}

TEST_F(TomlReaderTest, WrongTypeString) {
  auto t = parse("[s]\nk = 5\n");
  TomlReader r(file_);
  EXPECT_EQ(r.str(r.table(t, "s"), "s", "k", "d"), "d");
  EXPECT_EQ(message(r), file_ + ": s.k: wrong type");
}

TEST_F(TomlReaderTest, TablesAndUnknownKeys) {
  auto t = parse("s = 1\n[u]\na = 1\nz = 2\n[u.sub]\n");
  TomlReader r(file_);
  EXPECT_EQ(r.table(t, "absent"), nullptr);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.table(t, "s"), nullptr);
  EXPECT_EQ(message(r), file_ + ": s: must be a table");

  TomlReader k(file_);
  const toml::table* u = k.table(t, "u");
  ASSERT_NE(u, nullptr);
  EXPECT_NE(k.subtable(u, "u", "sub"), nullptr);
  EXPECT_EQ(k.subtable(u, "u", "a"), nullptr);
  EXPECT_EQ(message(k), file_ + ": u.a: must be a table");

  TomlReader o(file_);
  o.only(u, "u", {"a", "sub"});
  EXPECT_EQ(message(o), file_ + ": u.z: unknown key");
}

TEST_F(TomlReaderTest, PathsRelativeToTheConfigurationFile) {
  TomlReader r(file_);
  EXPECT_EQ(r.path(""), "");
  EXPECT_EQ(r.path("/abs/p.pem"), "/abs/p.pem");
  EXPECT_EQ(fs::path(r.path("pki/ca.pem")), fs::absolute(dir_) / "pki" / "ca.pem");
}

TEST_F(TomlReaderTest, CheckFile) {
  touch("present");
  TomlReader r(file_);
  r.check_file("k", (dir_ / "present").string());
  EXPECT_TRUE(r.ok());
  r.check_file("k", "");
  EXPECT_EQ(message(r), file_ + ": k: missing");
  TomlReader n(file_);
  std::string absent = (dir_ / "absent").string();
  n.check_file("k", absent);
  EXPECT_EQ(message(n), file_ + ": k: no such file " + absent);
}

// Found by the fuzz campaign (config_reader): a name longer than the file system allows made std::filesystem throw
// out of the reader, which ended the process instead of giving one error message.
TEST_F(TomlReaderTest, CheckFileWithANameTheFileSystemRefusesIsAnError) {
  TomlReader r(file_);
  std::string too_long = (dir_ / std::string(5000, 'a')).string();
  EXPECT_NO_THROW(r.check_file("k", too_long));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(message(r), file_ + ": k: cannot use " + too_long + ": File name too long");
}

TEST_F(TomlReaderTest, TlsBlock) {
  fs::create_directories(dir_ / "pki");
  for (const char* f : {"pki/c.pem", "pki/k.pem", "pki/ca.pem"}) touch(f);
  auto t = parse("[tls]\ncert = \"pki/c.pem\"\nkey = \"pki/k.pem\"\nca = \"pki/ca.pem\"\nkeylog = \"kl.txt\"\n");
  TomlReader r(file_);
  net::TlsServerSettings tls;
  read_tls(r, r.table(t, "tls"), "tls", tls);
  EXPECT_TRUE(r.ok()) << message(r);
  EXPECT_EQ(fs::path(tls.cert_file), fs::absolute(dir_) / "pki" / "c.pem");
  EXPECT_EQ(fs::path(tls.ca_file), fs::absolute(dir_) / "pki" / "ca.pem");
  EXPECT_EQ(fs::path(tls.keylog_file), fs::absolute(dir_) / "kl.txt");

  auto m = parse("[tls]\nkey = \"pki/k.pem\"\n");
  TomlReader e(file_);
  read_tls(e, e.table(m, "tls"), "tls", tls);
  EXPECT_EQ(message(e), file_ + ": tls.cert: missing");

  auto g = parse("[tls]\ncert = \"pki/c.pem\"\nkey = \"pki/nokey.pem\"\nca = \"pki/ca.pem\"\n");
  TomlReader n(file_);
  read_tls(n, n.table(g, "tls"), "tls", tls);
  EXPECT_EQ(message(n), file_ + ": tls.key: no such file " + (fs::absolute(dir_) / "pki" / "nokey.pem").string());
}

TEST_F(TomlReaderTest, StoreBlock) {
  auto t = parse("[store]\nurl = \"sqlite:db/x.db\"\nkek = \"" + kKek + "\"\n");
  TomlReader r(file_);
  auto s = read_store(r, r.table(t, "store"), "store");
  EXPECT_TRUE(r.ok()) << message(r);
  EXPECT_EQ(s.url, "sqlite:" + (fs::absolute(dir_) / "db" / "x.db").string());
  EXPECT_EQ(s.kek.size(), 32u);

  auto pg = parse("[store]\nurl = \"postgresql://u@h/db\"\nkek = \"" + kKek + "\"\n");
  TomlReader p(file_);
  EXPECT_EQ(read_store(p, p.table(pg, "store"), "store").url, "postgresql://u@h/db");

  auto nourl = parse("[store]\nkek = \"" + kKek + "\"\n");
  TomlReader u(file_);
  read_store(u, u.table(nourl, "store"), "store");
  EXPECT_EQ(message(u), file_ + ": store.url: missing (sqlite:PATH or postgresql://...)");

  auto nokek = parse("[store]\nurl = \"sqlite:x.db\"\n");
  TomlReader k(file_);
  auto none = read_store(k, k.table(nokek, "store"), "store");
  EXPECT_TRUE(none.kek.empty());
  EXPECT_EQ(message(k),
            file_ + ": store.kek: missing: give kek (64 hex digits) or kek_env (name of an environment variable)");

  auto shortkek = parse("[store]\nurl = \"sqlite:x.db\"\nkek = \"abcd\"\n");
  TomlReader sk(file_);
  read_store(sk, sk.table(shortkek, "store"), "store");
  EXPECT_EQ(message(sk).rfind(file_ + ": store.kek: ", 0), 0u) << message(sk);
}

TEST_F(TomlReaderTest, KekFromEnvironmentWins) {
  std::string var = "PROSE_CONFIG_TEST_KEK_" + std::to_string(random_u64() % 1000000);
  std::string other(64, 'b');
  auto t = parse("[store]\nurl = \"sqlite:x.db\"\nkek = \"" + kKek + "\"\nkek_env = \"" + var + "\"\n");
  TomlReader unset(file_);
  read_store(unset, unset.table(t, "store"), "store");
  EXPECT_EQ(message(unset), file_ + ": store.kek_env: environment variable " + var + " is not set");

  ::setenv(var.c_str(), other.c_str(), 1);
  TomlReader r(file_);
  auto s = read_store(r, r.table(t, "store"), "store");
  ::unsetenv(var.c_str());
  EXPECT_TRUE(r.ok()) << message(r);
  ASSERT_EQ(s.kek.size(), 32u);
  EXPECT_EQ(s.kek.reveal_hex(), other);
}

}  // namespace
}  // namespace prose::config
