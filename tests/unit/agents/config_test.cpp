#include <gtest/gtest.h>

#include <toml++/toml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>
#include <type_traits>
#include <vector>

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
    return "[ue]\nimsi = \"001010000000001\"\nl2_id = 0xb001\nrelay_service_code = 0xabcd\nk = \"" +
           std::string(32, '0') + "\"\nopc = \"" + std::string(32, '0') +
           "\"\n"
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

TEST_F(AgentConfig, GbaReplacesTheClientCertificate) {
  // Remote UE: [gba] needs only the BSF; the IMPI comes from ue.impi_template, the USIM is [ue] k/opc.
  auto c = load_remote_ue_config(write(ue() + "[gba]\nbsf = \"http://127.0.0.1:8080/\"\n" +
                                       "[prose_function]\nport = 8443\nserver_name = \"pf.lab\"\n"));
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  ASSERT_TRUE(c->gba.has_value());
  EXPECT_EQ(c->gba->bsf_url, "http://127.0.0.1:8080/");
  EXPECT_EQ(c->gba->impi, "001010000000001@ims.mnc001.mcc001.3gppnetwork.org");
  EXPECT_EQ(c->gba->k.reveal_hex(), std::string(32, '0'));
  EXPECT_EQ(c->prose_function->naf_fqdn, "pf.lab");  // default: the server name
  EXPECT_TRUE(c->pkmf.cert_file.empty());
  // Relay: its own subscriber and USIM in [gba]; the PKMF alone, without certificate files.
  auto r = load_relay_config(write(relay() +
                                   "[pkmf]\nport = 8443\n[gba]\nbsf = \"http://127.0.0.1:8080/\"\n"
                                   "imsi = \"001010000000901\"\nk = \"" +
                                   std::string(32, '1') + "\"\nopc = \"" + std::string(32, '2') +
                                   "\"\nimpi = \"{imsi}@lab\"\n"));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->gba->impi, "001010000000901@lab");
  EXPECT_EQ(r->gba->opc.reveal_hex(), std::string(32, '2'));
  // Without [gba] the certificate stays required; [gba] without bsf, a relay without its IMSI: named errors.
  auto no_files = load_relay_config(write(relay() + "[pkmf]\nport = 8443\n"));
  ASSERT_FALSE(no_files.ok());
  EXPECT_NE(no_files.error().message.find("pkmf.ca: required"), std::string::npos) << no_files.error().message;
  // An empty [gba] (its keys commented out, as in the examples) leaves certificate mode on.
  auto no_bsf = load_remote_ue_config(write(ue() + "[pkmf]\nport = 8443\n[gba]\n"));
  ASSERT_FALSE(no_bsf.ok());
  EXPECT_NE(no_bsf.error().message.find("pkmf.ca: required"), std::string::npos) << no_bsf.error().message;
  auto empty_bsf = load_remote_ue_config(write(ue() + "[pkmf]\nport = 8443\n[gba]\nbsf = \"\"\n"));
  ASSERT_FALSE(empty_bsf.ok());
  EXPECT_NE(empty_bsf.error().message.find("gba.bsf: must not be empty"), std::string::npos)
      << empty_bsf.error().message;
  auto no_imsi =
      load_relay_config(write(relay() + "[pkmf]\nport = 8443\n[gba]\nbsf = \"http://h/\"\nk = \"11\"\nopc = \"22\"\n"));
  ASSERT_FALSE(no_imsi.ok());
  EXPECT_NE(no_imsi.error().message.find("gba.imsi: required"), std::string::npos) << no_imsi.error().message;
  // The Remote UE's USIM is [ue]'s: gba.k is not one of its keys.
  auto ue_k = load_remote_ue_config(write(ue() + "[pkmf]\nport = 8443\n[gba]\nbsf = \"http://h/\"\nk = \"11\"\n"));
  ASSERT_FALSE(ue_k.ok());
  EXPECT_NE(ue_k.error().message.find("gba.k: unknown key"), std::string::npos) << ue_k.error().message;
}

// The USIM's K and OPc are parsed at load into wiped buffers (SecretBytes) and kept only there; a bad value is refused
// with the messages the agents gave at start before (from_hex_exact's).
static_assert(std::is_same_v<decltype(RemoteUeAgentConfig::k), SecretBytes> &&
              std::is_same_v<decltype(RemoteUeAgentConfig::opc), SecretBytes>);
static_assert(std::is_same_v<decltype(GbaClientConfig::k), SecretBytes> &&
              std::is_same_v<decltype(GbaClientConfig::opc), SecretBytes>);

TEST_F(AgentConfig, UsimKeysAreParsedAtLoad) {
  const std::string k = "465B5CE8B199B49FAA5F0A2EE238A6BC", opc = "cd63cb71954a9f4e48a5994e37a02baf";
  auto with = [&](const std::string& key, const std::string& value) {
    const std::string pkmf = "[pkmf]\nport = 8443\nca = \"ca.pem\"\ncert = \"u.pem\"\nkey = \"u.key\"\n";
    return std::regex_replace(ue() + pkmf, std::regex("\n" + key + " = \"[0-9a-f]*\""),
                              "\n" + key + " = \"" + value + "\"");
  };
  auto u = load_remote_ue_config(
      write(std::regex_replace(with("k", k), std::regex("\nopc = \"[0-9a-f]*\""), "\nopc = \"" + opc + "\"")));
  ASSERT_TRUE(u.ok()) << u.error().to_string();
  EXPECT_EQ(u->k.reveal_hex(), "465b5ce8b199b49faa5f0a2ee238a6bc");
  EXPECT_EQ(u->opc.reveal_hex(), opc);
  const std::vector<std::tuple<std::string, std::string, std::string>> bad = {
      {"k", "00", "ue.k: expected 16 octets (32 hex digits), got 1"},
      {"k", std::string(34, '0'), "ue.k: expected 16 octets (32 hex digits), got 17"},
      {"k", std::string(31, '0'), "ue.k: odd number of hex digits"},
      {"k", "zz" + std::string(30, '0'), "ue.k: invalid hex character at position 0"},
      {"opc", "", "ue.opc: expected 16 octets (32 hex digits), got 0"},
  };
  for (const auto& [key, value, message] : bad) {
    auto c = load_remote_ue_config(write(with(key, value)));
    ASSERT_FALSE(c.ok()) << key << " = " << value;
    EXPECT_EQ(c.error().message, message);
  }
  const std::string gba = "[pkmf]\nport = 8443\n[gba]\nbsf = \"http://h/\"\nimsi = \"001010000000901\"\n";
  auto relay_k = load_relay_config(write(relay() + gba + "k = \"11\"\nopc = \"" + opc + "\"\n"));
  ASSERT_FALSE(relay_k.ok());
  EXPECT_EQ(relay_k.error().message, "gba.k: expected 16 octets (32 hex digits), got 1");
  auto relay_ok = load_relay_config(write(relay() + gba + "k = \"" + k + "\"\nopc = \"" + opc + "\"\n"));
  ASSERT_TRUE(relay_ok.ok()) << relay_ok.error().to_string();
  EXPECT_EQ(relay_ok->gba->opc.reveal_hex(), opc);
  // Without [gba] a relay has no USIM: gba.k and gba.opc are not read.
  auto plain =
      load_relay_config(write(relay() + "[pkmf]\nport = 8443\nca = \"ca.pem\"\ncert = \"r.pem\"\nkey = \"r.key\"\n"));
  ASSERT_TRUE(plain.ok()) << plain.error().to_string();
  EXPECT_FALSE(plain->gba.has_value());
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

TEST_F(AgentConfig, RelayCipheringPreference) {
  const std::string pkmf = "[pkmf]\nport = 8443\nca = \"ca.pem\"\ncert = \"u.pem\"\nkey = \"u.key\"\n";
  auto with = [&](const std::string& line) {
    std::string r = relay();
    r.replace(0, 8, "[relay]\n" + line + "\n");
    return load_relay_config(write(r + pkmf));
  };
  auto def = load_relay_config(write(relay() + pkmf));
  ASSERT_TRUE(def.ok()) << def.error().to_string();
  EXPECT_EQ(def->ciphering, (std::vector<std::uint8_t>{2, 3, 1}));
  auto c = with("ciphering = [1, 3]");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->ciphering, (std::vector<std::uint8_t>{1, 3}));
  for (const char* bad :
       {"ciphering = []", "ciphering = [0]", "ciphering = [4]", "ciphering = 2", "ciphering = [\"2\"]"}) {
    auto b = with(bad);
    ASSERT_FALSE(b.ok()) << bad;
    EXPECT_NE(b.error().message.find("relay.ciphering: must be a non-empty array of EEA identities 1..3"),
              std::string::npos)
        << bad << ": " << b.error().message;
  }
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
  EXPECT_TRUE(def->log.user_data) << "the relay's MSC line per datagram is on by default";
  auto quiet = load_relay_config(write(relay() + pkmf + "[log]\nuser_data = false\n"));
  ASSERT_TRUE(quiet.ok()) << quiet.error().to_string();
  EXPECT_FALSE(quiet->log.user_data);
  auto ue_quiet = load_remote_ue_config(write(ue() + pkmf + "[log]\nuser_data = false\n"));
  ASSERT_FALSE(ue_quiet.ok()) << "a relay-only key";
  EXPECT_NE(ue_quiet.error().message.find("log.user_data: unknown key"), std::string::npos) << ue_quiet.error().message;
  EXPECT_TRUE(def->log.pc5_keylog.empty()) << "the PC5 key log is off unless asked for";
  auto keylog = load_remote_ue_config(write(ue() + pkmf + "[log]\npc5_keylog = \"keys/pc5.log\"\n"));
  ASSERT_TRUE(keylog.ok()) << keylog.error().to_string();
  EXPECT_EQ(std::filesystem::path(keylog->log.pc5_keylog).filename(), "pc5.log");
  EXPECT_TRUE(std::filesystem::path(keylog->log.pc5_keylog).is_absolute()) << "relative to the configuration file";
  auto not_table = load_relay_config(write("log = 1\n" + relay() + pkmf));
  ASSERT_FALSE(not_table.ok());
  EXPECT_NE(not_table.error().message.find("log: must be a table"), std::string::npos) << not_table.error().message;
}

// A typo is an error naming it, not a key silently ignored.
TEST_F(AgentConfig, UnknownSectionsAndKeysAreRefused) {
  const std::string pkmf = "[pkmf]\nport = 8443\nca = \"ca.pem\"\ncert = \"r.pem\"\nkey = \"r.key\"\n";
  auto key = load_relay_config(write(relay() + pkmf + "[log]\ncapture = false\ncaptures = true\n"));
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().message.find("log.captures: unknown key"), std::string::npos) << key.error().message;
  auto section = load_remote_ue_config(write(ue() + pkmf + "[relay]\nannounce_ms = 500\n"));
  ASSERT_FALSE(section.ok());
  EXPECT_NE(section.error().message.find("relay: unknown section"), std::string::npos) << section.error().message;
  auto top = load_relay_config(write("announce_ms = 500\n" + relay() + pkmf));
  ASSERT_FALSE(top.ok());
  EXPECT_NE(top.error().message.find("announce_ms: unknown section"), std::string::npos) << top.error().message;
  auto ue_key_in_relay = load_relay_config(write(relay() + pkmf + "[mikey]\naccept_rfc3830_defaults = true\n"));
  ASSERT_FALSE(ue_key_in_relay.ok()) << "[mikey] is the Remote UE's";
}

ExampleOptions lab_options() {
  ExampleOptions o;
  o.prose_function_port = 18444;
  o.sidelink_port = 15001;
  o.peers = {15002, 15003};
  o.upstream_port = 17000;
  o.app_port = 16001;
  o.imsi = "001010000000007";
  o.k_hex = "465b5ce8b199b49faa5f0a2ee238a6bc";
  o.opc_hex = "cd63cb71954a9f4e48a5994e37a02baf";
  o.relay_service_code = 0x1234;
  return o;
}

// `prose relay example-config` / `prose remote-ue example-config`: what they print loads, with the options in it.
TEST_F(AgentConfig, ExampleConfigsLoad) {
  ExampleOptions o = lab_options();
  o.name = "r7";
  std::ofstream(dir_ / "relay.toml") << relay_example_config(o);
  auto r = load_relay_config((dir_ / "relay.toml").string());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->name, "r7");
  EXPECT_EQ(r->l2_id, 0x00aa01u);
  EXPECT_EQ(r->relay_service_code, 0x1234u);
  EXPECT_EQ(r->upstream_port, 17000);
  EXPECT_EQ(r->sidelink.port, 15001);
  EXPECT_EQ(r->sidelink.peers, (std::vector<std::uint16_t>{15002, 15003}));
  ASSERT_TRUE(r->prose_function.has_value()) << "protected discovery needs the ProSe Function";
  EXPECT_EQ(r->prose_function->port, 18444);
  EXPECT_EQ(r->prose_function->server_name, "prose-function.prose.test");
  EXPECT_EQ(r->prose_function->cert_file, (dir_ / "pki" / "relay-r7.pem").string());
  EXPECT_EQ(r->pkmf.key_file, (dir_ / "pki" / "relay-r7.key").string()) << "the PKMF client uses the same files";
  EXPECT_FALSE(r->log.capture);

  o.name = "ue7";
  o.l2_id = 0x00ee07;
  std::ofstream(dir_ / "ue.toml") << remote_ue_example_config(o);
  auto u = load_remote_ue_config((dir_ / "ue.toml").string());
  ASSERT_TRUE(u.ok()) << u.error().to_string();
  EXPECT_EQ(u->name, "ue7");
  EXPECT_EQ(u->imsi, "001010000000007");
  EXPECT_EQ(u->l2_id, 0x00ee07u);
  EXPECT_EQ(u->k.reveal_hex(), o.k_hex);
  EXPECT_EQ(u->opc.reveal_hex(), o.opc_hex);
  EXPECT_EQ(u->app_port, 16001);
  EXPECT_TRUE(u->provision);
  EXPECT_EQ(u->discovery, "A");
  o.provision = false;
  o.discovery = "B";
  std::ofstream(dir_ / "ue-gba.toml") << remote_ue_example_config(o);
  auto g = load_remote_ue_config((dir_ / "ue-gba.toml").string());
  ASSERT_TRUE(g.ok()) << g.error().to_string();
  EXPECT_FALSE(g->provision);
  EXPECT_EQ(g->discovery, "B");
  EXPECT_EQ(u->key_store, (dir_ / "ue7.keys").string());
  EXPECT_EQ(u->prose_function->ca_file, (dir_ / "pki" / "ca.pem").string());
  EXPECT_EQ(u->prose_function->cert_file, (dir_ / "pki" / "ue-001010000000007.pem").string());

  // Without K and OPc: random ones, and a random KEK every time.
  ExampleOptions plain;
  std::string a = remote_ue_example_config(plain), b = remote_ue_example_config(plain);
  std::ofstream(dir_ / "plain.toml") << a;
  auto p = load_remote_ue_config((dir_ / "plain.toml").string());
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->k.reveal_hex().size(), 32u);
  EXPECT_NE(a, b);
}

// (section.key) of every key line of an example, set or commented out ("# key = value").
std::set<std::string> example_keys(const std::string& text) {
  std::set<std::string> keys;
  std::string section;
  std::istringstream in(text);
  static const std::regex kSection(R"(^\[([a-z_]+)\]$)"), kKey(R"(^(# )?([a-z_0-9]+) = .*)");
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, kSection))
      section = m[1];
    else if (std::regex_match(line, m, kKey))
      keys.insert(section + "." + std::string(m[2]));
  }
  return keys;
}

std::set<std::string> names(std::span<const ConfigKey> keys) {
  std::set<std::string> s;
  for (const auto& k : keys) s.insert(std::string(k.name));
  return s;
}

TEST_F(AgentConfig, ExampleConfigsListEveryKey) {
  EXPECT_EQ(example_keys(relay_example_config(lab_options())), names(relay_config_keys()));
  EXPECT_EQ(example_keys(remote_ue_example_config(lab_options())), names(remote_ue_config_keys()));
}

template <typename T>
std::string load_error(const Result<T>& r) {
  return r.ok() ? std::string("loaded") : r.error().message;
}

// Every key of the tables is read by the loader: the example with that key set to a value of no type the loader
// accepts (a table) is refused, naming the key.
TEST_F(AgentConfig, LoaderReadsEveryKeyOfItsTable) {
  struct Kind {
    std::string text;
    std::span<const ConfigKey> keys;
    bool relay;
  };
  for (const Kind& kind : {Kind{relay_example_config(lab_options()), relay_config_keys(), true},
                           Kind{remote_ue_example_config(lab_options()), remote_ue_config_keys(), false}}) {
    for (const ConfigKey& k : kind.keys) {
      const std::string name(k.name);
      const auto dot = name.find('.');
      toml::table t = toml::parse(kind.text);
      t[name.substr(0, dot)].as_table()->insert_or_assign(name.substr(dot + 1), toml::table{});
      std::ostringstream os;
      os << t;
      const std::string path = write(os.str());
      const std::string err =
          kind.relay ? load_error(load_relay_config(path)) : load_error(load_remote_ue_config(path));
      EXPECT_NE(err.find(name + ": "), std::string::npos) << name << ": " << err;
    }
  }
}

// docs/agents.md "Config" lists exactly the loaders' keys, with their type, default and whether they are required.
TEST(AgentConfigDocs, TablesMatchTheLoaders) {
  std::ifstream f(std::string(PROSE_SOURCE_DIR) + "/docs/agents.md");
  ASSERT_TRUE(f) << "docs/agents.md";
  using Row = std::tuple<std::string, std::string, std::string, std::string>;
  std::map<std::string, std::set<Row>> tables;  // by marker: relay, remote-ue, both
  std::string marker;
  static const std::regex kMarker(R"(^<!-- config-keys: ([a-z-]+) -->$)");
  auto cell = [](std::string c) {
    c = c.substr(c.find_first_not_of(' '));
    c = c.substr(0, c.find_last_not_of(' ') + 1);
    if (c.size() >= 2 && c.front() == '`' && c.back() == '`') c = c.substr(1, c.size() - 2);
    return c == "—" ? std::string() : c;
  };
  for (std::string line; std::getline(f, line);) {
    std::smatch m;
    if (std::regex_match(line, m, kMarker)) {
      marker = m[1];
      continue;
    }
    if (marker.empty()) continue;
    if (line.empty() || line[0] != '|') {
      if (tables.count(marker)) marker.clear();  // the table ended
      continue;
    }
    std::vector<std::string> cells;
    std::istringstream in(line.substr(1));
    for (std::string c; std::getline(in, c, '|');) cells.push_back(c);
    ASSERT_GE(cells.size(), 4u) << line;
    std::string key = cell(cells[0]);
    if (key == "key" || key.starts_with("---")) {
      tables[marker];
      continue;
    }
    tables[marker].insert({key, cell(cells[1]), cell(cells[2]), cell(cells[3])});
  }
  ASSERT_EQ(tables.size(), 3u) << "markers relay, remote-ue and both";
  auto expected = [](std::span<const ConfigKey> keys) {
    std::set<Row> s;
    for (const auto& k : keys)
      s.insert({std::string(k.name), std::string(k.type), std::string(k.default_value), std::string(k.required)});
    return s;
  };
  auto doc = [&](const std::string& own) {
    std::set<Row> s = tables[own];
    s.insert(tables["both"].begin(), tables["both"].end());
    return s;
  };
  EXPECT_EQ(doc("relay"), expected(relay_config_keys()));
  EXPECT_EQ(doc("remote-ue"), expected(remote_ue_config_keys()));
}

}  // namespace
}  // namespace prose::agents
