// The `[ip]` section (IP mode, docs/agents.md "IP mode"): off unless tun is set, its keys read and checked.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "prose/agents/agents.h"
#include "prose/util/random.h"

namespace prose::agents {
namespace {

namespace fs = std::filesystem;

class AgentIpConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("prose-agents-ip-config-" + std::to_string(random_u32()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& text) {
    std::string p = (dir_ / "c.toml").string();
    std::ofstream(p) << text;
    return p;
  }
  static std::string ue() {
    return "[ue]\nimsi = \"001010000000001\"\nl2_id = 0xb001\nrelay_service_code = 0xabcd\nk = "
           "\"000102030405060708090a0b0c0d0e0f\"\nopc = \"000102030405060708090a0b0c0d0e0f\"\n"
           "key_store = \"ue.keys\"\nkek = \"" +
           std::string(64, 'a') +
           "\"\napp_port = 4000\n[sidelink]\nport = 4001\n[pkmf]\nport = 1\nca = \"a\"\ncert = \"b\"\nkey = \"c\"\n";
  }
  static std::string relay() {
    return "[relay]\nl2_id = 0xaa01\nrelay_service_code = 0xabcd\n[upstream]\nport = 5000\n[sidelink]\nport = 5001\n"
           "[pkmf]\nport = 1\nca = \"a\"\ncert = \"b\"\nkey = \"c\"\n";
  }
  template <typename T>
  static std::string error(const Result<T>& r) {
    return r.ok() ? std::string("loaded") : r.error().message;
  }
  fs::path dir_;
};

TEST_F(AgentIpConfig, OffUnlessTunIsSet) {
  auto r = load_relay_config(write(relay()));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_FALSE(r->ip);
  auto empty = load_relay_config(write(relay() + "[ip]\nipv4_pool = \"10.9.0.0/16\"\n"));
  ASSERT_TRUE(empty.ok()) << empty.error().to_string();
  EXPECT_FALSE(empty->ip);
  auto u = load_remote_ue_config(write(ue() + "[ip]\n"));
  ASSERT_TRUE(u.ok()) << u.error().to_string();
  EXPECT_FALSE(u->ip);
}

TEST_F(AgentIpConfig, Keys) {
  auto r = load_relay_config(
      write(relay() + "[ip]\ntun = \"prose-r0\"\nnetns = \"relay\"\nipv4_pool = \"10.9.0.0/16\"\nmtu = 1400\n"));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_TRUE(r->ip);
  EXPECT_EQ(r->ip->tun, "prose-r0");
  EXPECT_EQ(r->ip->netns, "relay");
  EXPECT_EQ(r->ip->ipv4_pool, "10.9.0.0/16");
  EXPECT_EQ(r->ip->mtu, 1400u);
  EXPECT_EQ(r->ip->ipv6_prefix, "") << "no IPv6 unless set";
  auto v6 = load_relay_config(write(relay() + "[ip]\ntun = \"prose-r0\"\nipv6_prefix = \"fd00:45::/64\"\n"));
  ASSERT_TRUE(v6.ok()) << v6.error().to_string();
  EXPECT_EQ(v6->ip->ipv6_prefix, "fd00:45::/64");
  auto u = load_remote_ue_config(write(ue() + "[ip]\ntun = \"prose-u%d\"\n"));
  ASSERT_TRUE(u.ok()) << u.error().to_string();
  ASSERT_TRUE(u->ip);
  EXPECT_EQ(u->ip->tun, "prose-u%d");
  EXPECT_EQ(u->ip->netns, "");
  EXPECT_EQ(u->ip->mtu, 1500u);
  EXPECT_EQ(u->ip->default_route, "add");
  for (const char* v : {"replace", "none"}) {
    auto d = load_remote_ue_config(write(ue() + "[ip]\ntun = \"t\"\ndefault_route = \"" + v + "\"\n"));
    ASSERT_TRUE(d.ok()) << d.error().to_string();
    EXPECT_EQ(d->ip->default_route, v);
  }
}

// The ports of the UDP plane carry nothing in IP mode: optional there, still required without [ip] tun.
TEST_F(AgentIpConfig, UdpPortsOptionalInIpMode) {
  std::string relay_text = relay(), ue_text = ue();
  relay_text.erase(relay_text.find("[upstream]\nport = 5000\n"), 23);
  ue_text.erase(ue_text.find("app_port = 4000\n"), 16);
  auto r = load_relay_config(write(relay_text + "[ip]\ntun = \"prose-r0\"\n"));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->ip);
  EXPECT_EQ(r->upstream_port, 0);
  auto u = load_remote_ue_config(write(ue_text + "[ip]\ntun = \"prose-u0\"\n"));
  ASSERT_TRUE(u.ok()) << u.error().to_string();
  EXPECT_TRUE(u->ip);
  EXPECT_EQ(u->app_port, 0);
  // Given, they are still read and checked.
  auto given = load_remote_ue_config(write(ue() + "[ip]\ntun = \"prose-u0\"\n"));
  ASSERT_TRUE(given.ok()) << given.error().to_string();
  EXPECT_EQ(given->app_port, 4000);
  EXPECT_NE(error(load_relay_config(write(relay_text + "[upstream]\nport = 70000\n[ip]\ntun = \"t\"\n")))
                .find("upstream.port"),
            std::string::npos);
  // Without IP mode (no [ip], or an [ip] without tun) they are required.
  EXPECT_NE(error(load_relay_config(write(relay_text))).find("upstream.port"), std::string::npos);
  EXPECT_NE(error(load_relay_config(write(relay_text + "[ip]\nmtu = 1400\n"))).find("upstream.port"),
            std::string::npos);
  EXPECT_NE(error(load_remote_ue_config(write(ue_text))).find("ue.app_port"), std::string::npos);
}

TEST_F(AgentIpConfig, ErrorsNameTheKey) {
  for (const char* bad : {"fd00:45::/48", "fd00:45::1/64", "10.0.0.0/8", ""}) {
    EXPECT_NE(error(load_relay_config(write(relay() + "[ip]\ntun = \"t\"\nipv6_prefix = \"" + bad + "\"\n")))
                  .find("ip.ipv6_prefix: must be a /64"),
              std::string::npos)
        << bad;
  }
  EXPECT_NE(error(load_relay_config(write(relay() + "[ip]\ntun = \"t\"\nipv4_pool = \"10.9.0.1/24\"\n")))
                .find("ip.ipv4_pool: must be a network"),
            std::string::npos);
  EXPECT_NE(error(load_relay_config(write(relay() + "[ip]\ntun = \"t\"\nipv4_pool = \"10.9.0.0/31\"\n")))
                .find("ip.ipv4_pool"),
            std::string::npos);
  EXPECT_NE(error(load_relay_config(write(relay() + "[ip]\ntun = \"t\"\nmtu = 100\n"))).find("ip.mtu: out of range"),
            std::string::npos);
  EXPECT_NE(error(load_remote_ue_config(write(ue() + "[ip]\ntun = \"\"\n"))).find("ip.tun: must not be empty"),
            std::string::npos);
  EXPECT_NE(error(load_remote_ue_config(write(ue() + "[ip]\ntun = \"t\"\nnetns = \"/run/netns/x\"\n")))
                .find("ip.netns: must be a name"),
            std::string::npos);
  EXPECT_NE(error(load_remote_ue_config(write(ue() + "[ip]\ntun = \"t\"\nipv4_pool = \"10.9.0.0/24\"\n")))
                .find("ip.ipv4_pool: unknown key"),
            std::string::npos)
      << "the pool is the relay's";
  EXPECT_NE(error(load_remote_ue_config(write(ue() + "[ip]\ntun = \"t\"\ndefault_route = \"yes\"\n")))
                .find("ip.default_route: must be"),
            std::string::npos);
  EXPECT_NE(error(load_relay_config(write(relay() + "[ip]\ntun = \"t\"\ndefault_route = \"add\"\n")))
                .find("ip.default_route: unknown key"),
            std::string::npos)
      << "the route comes from the Remote UE's lease";
  EXPECT_NE(error(load_remote_ue_config(write("ip = 3\n" + ue()))).find("ip: must be a table"), std::string::npos);
}

}  // namespace
}  // namespace prose::agents
