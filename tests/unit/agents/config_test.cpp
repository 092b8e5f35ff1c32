#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "prose/agents/agents.h"
#include "prose/util/random.h"

namespace prose::agents {
namespace {

namespace fs = std::filesystem;

class AgentConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("prose-agents-config-" + std::to_string(random_u32()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& text) {
    std::string p = (dir_ / "c.toml").string();
    std::ofstream(p) << text;
    return p;
  }
  static std::string ue() {
    return "[ue]\nimsi = \"001010000000001\"\nl2_id = 0xb001\nrelay_service_code = 0xabcd\nk = \"00\"\nopc = \"00\"\n"
           "key_store = \"ue.keys\"\nkek = \"" +
           std::string(64, 'a') + "\"\napp_port = 4000\n[sidelink]\nport = 4001\npeers = [4002]\n";
  }
  static std::string relay() {
    return "[relay]\nl2_id = 0xaa01\nrelay_service_code = 0xabcd\n[upstream]\nport = 5000\n[sidelink]\nport = 5001\n";
  }
  fs::path dir_;
};

TEST_F(AgentConfig, PkmfOnlyAsBefore) {
  auto c =
      load_remote_ue_config(write(ue() + "[pkmf]\nport = 8443\nca = \"ca.pem\"\ncert = \"u.pem\"\nkey = \"u.key\"\n"));
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_FALSE(c->prose_function.has_value());
  EXPECT_EQ(c->pkmf.port, 8443);
  EXPECT_EQ(c->pkmf.ca_file, (dir_ / "ca.pem").string());  // relative to the file
  EXPECT_EQ(c->mikey_port, 0);
  EXPECT_FALSE(c->stop_pruk_delivery_on_exit);
  // Without a ProSe Function the PKMF port and TLS files are required, named in the error.
  auto bad = load_remote_ue_config(write(ue() + "[pkmf]\nca = \"ca.pem\"\ncert = \"u.pem\"\nkey = \"u.key\"\n"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("pkmf.port: required"), std::string::npos) << bad.error().message;
}

TEST_F(AgentConfig, ProseFunctionOnly) {
  auto c = load_relay_config(write(relay() +
                                   "[prose_function]\nport = 8443\nca = \"ca.pem\"\ncert = \"r.pem\"\nkey = \"r.key\"\n"
                                   "psdk_refresh_before_s = 57\n"));
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  ASSERT_TRUE(c->prose_function.has_value());
  EXPECT_EQ(c->prose_function->port, 8443);
  EXPECT_EQ(c->prose_function->psdk_refresh_before_s, 57);
  EXPECT_EQ(c->prose_function->server_name, "pkmf.prose.test");
  // The PKMF client uses the same TLS files.
  EXPECT_EQ(c->pkmf.cert_file, (dir_ / "r.pem").string());
  EXPECT_EQ(c->pkmf.key_file, (dir_ / "r.key").string());
  EXPECT_EQ(c->pkmf.ca_file, (dir_ / "ca.pem").string());
}

TEST_F(AgentConfig, ProseFunctionTakesTlsFilesFromPkmf) {
  auto c = load_remote_ue_config(write(ue() + "[pkmf]\nca = \"/abs/ca.pem\"\ncert = \"u.pem\"\nkey = \"u.key\"\n" +
                                       "[prose_function]\nhost = \"pf.example\"\nport = 9443\n"));
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->prose_function->host, "pf.example");
  EXPECT_EQ(c->prose_function->ca_file, "/abs/ca.pem");
  EXPECT_EQ(c->prose_function->cert_file, (dir_ / "u.pem").string());
}

TEST_F(AgentConfig, ProseFunctionErrorsNameTheKey) {
  auto no_tls = load_remote_ue_config(write(ue() + "[prose_function]\nport = 9443\n"));
  ASSERT_FALSE(no_tls.ok());
  EXPECT_NE(no_tls.error().message.find("prose_function.ca: required"), std::string::npos) << no_tls.error().message;
  auto no_port = load_relay_config(write(relay() + "[prose_function]\nca = \"a\"\ncert = \"b\"\nkey = \"c\"\n"));
  ASSERT_FALSE(no_port.ok());
  EXPECT_NE(no_port.error().message.find("prose_function.port: required"), std::string::npos);
  auto bad_margin = load_relay_config(write(
      relay() + "[prose_function]\nport = 1\nca = \"a\"\ncert = \"b\"\nkey = \"c\"\npsdk_refresh_before_s = -1\n"));
  ASSERT_FALSE(bad_margin.ok());
  EXPECT_NE(bad_margin.error().message.find("prose_function.psdk_refresh_before_s"), std::string::npos);
  auto not_table = load_relay_config(write("prose_function = 3\n" + relay()));
  EXPECT_FALSE(not_table.ok());
}

TEST_F(AgentConfig, Issue8UeKeys) {
  std::string text = ue();
  text.insert(text.find("[sidelink]"), "mikey_port = 2269\nstop_pruk_delivery_on_exit = true\n");
  auto d =
      load_remote_ue_config(write(text + "[pkmf]\nport = 8443\nca = \"ca.pem\"\ncert = \"u.pem\"\nkey = \"u.key\"\n"));
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  EXPECT_EQ(d->mikey_port, 2269);
  EXPECT_TRUE(d->stop_pruk_delivery_on_exit);
}

TEST_F(AgentConfig, MikeyAcceptRfc3830Defaults) {
  const std::string pkmf = "[pkmf]\nport = 8443\nca = \"ca.pem\"\ncert = \"u.pem\"\nkey = \"u.key\"\n";
  auto off = load_remote_ue_config(write(ue() + pkmf));
  ASSERT_TRUE(off.ok()) << off.error().to_string();
  EXPECT_FALSE(off->mikey_accept_rfc3830_defaults) << "no downgrade unless configured";
  auto on = load_remote_ue_config(write(ue() + pkmf + "[mikey]\naccept_rfc3830_defaults = true\n"));
  ASSERT_TRUE(on.ok()) << on.error().to_string();
  EXPECT_TRUE(on->mikey_accept_rfc3830_defaults);
  auto bad = load_remote_ue_config(write(ue() + pkmf + "[mikey]\naccept_rfc3830_defaults = \"yes\"\n"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("mikey.accept_rfc3830_defaults: must be true or false"), std::string::npos)
      << bad.error().message;
}

TEST_F(AgentConfig, SidelinkDelayAndJitter) {
  const std::string pkmf = "[pkmf]\nport = 8443\nca = \"ca.pem\"\ncert = \"u.pem\"\nkey = \"u.key\"\n";
  auto c = load_remote_ue_config(write(ue() + "delay_ms = 40\njitter_ms = 30\nloss = 0.1\n" + pkmf));
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->sidelink.delay_ms, 40u);
  EXPECT_EQ(c->sidelink.jitter_ms, 30u);
  EXPECT_DOUBLE_EQ(c->sidelink.loss, 0.1);
  auto plain = load_remote_ue_config(write(ue() + pkmf));
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->sidelink.delay_ms, 0u) << "no delay unless asked";
  auto bad = load_remote_ue_config(write(ue() + "delay_ms = -1\n" + pkmf));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("sidelink.delay_ms"), std::string::npos) << bad.error().message;
  auto bad_relay = load_relay_config(write(relay() + "jitter_ms = 20000\n" + pkmf));
  ASSERT_FALSE(bad_relay.ok());
  EXPECT_NE(bad_relay.error().message.find("sidelink.jitter_ms"), std::string::npos) << bad_relay.error().message;
}

TEST_F(AgentConfig, LogCapture) {
  const std::string pkmf = "[pkmf]\nport = 8443\nca = \"ca.pem\"\ncert = \"r.pem\"\nkey = \"r.key\"\n";
  auto def = load_relay_config(write(relay() + pkmf));
  ASSERT_TRUE(def.ok()) << def.error().to_string();
  EXPECT_TRUE(def->log.capture) << "CAP lines on by default (prose demo's pcap)";
  auto off = load_relay_config(write(relay() + pkmf + "[log]\ncapture = false\n"));
  ASSERT_TRUE(off.ok()) << off.error().to_string();
  EXPECT_FALSE(off->log.capture);
  auto ue_off = load_remote_ue_config(write(ue() + pkmf + "[log]\ncapture = false\n"));
  ASSERT_TRUE(ue_off.ok()) << ue_off.error().to_string();
  EXPECT_FALSE(ue_off->log.capture);
  auto bad = load_relay_config(write(relay() + pkmf + "[log]\ncapture = \"no\"\n"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("log.capture: must be true or false"), std::string::npos) << bad.error().message;
  EXPECT_TRUE(def->log.pc5_keylog.empty()) << "the PC5 key log is off unless asked for";
  auto keylog = load_remote_ue_config(write(ue() + pkmf + "[log]\npc5_keylog = \"keys/pc5.log\"\n"));
  ASSERT_TRUE(keylog.ok()) << keylog.error().to_string();
  EXPECT_EQ(std::filesystem::path(keylog->log.pc5_keylog).filename(), "pc5.log");
  EXPECT_TRUE(std::filesystem::path(keylog->log.pc5_keylog).is_absolute()) << "relative to the configuration file";
  auto not_table = load_relay_config(write("log = 1\n" + relay() + pkmf));
  ASSERT_FALSE(not_table.ok());
  EXPECT_NE(not_table.error().message.find("log: must be a table"), std::string::npos) << not_table.error().message;
}

}  // namespace
}  // namespace prose::agents
