// The strong test of issue 21's network side: a UE bootstraps over Ub (real loopback HTTP) against the HSS/BSF
// emulator, then `openssl s_client -psk_identity <B-TID> -psk <Ks_NAF>` (a peer we did not write) completes TLS 1.2
// and TLS 1.3 handshakes with the PKMF in [tls] mode = "gba", which fetched the key over Zn (real Diameter on
// loopback), and gets the PC8 answer for that subscriber's IMSI. A wrong key or an unknown B-TID fails the
// handshake.
#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

#include "prose/gba/ua_ids.h"
#include "prose/gba/ub_bootstrap.h"
#include "prose/gba_naf/naf_keys.h"
#include "prose/hss/server.h"
#include "prose/hss/service.h"
#include "prose/hss/ub_service.h"
#include "prose/keys/prose_keys.h"
#include "prose/net/plain_server.h"
#include "prose/pc8/codec.h"
#include "prose/pkmf/config.h"
#include "prose/pkmf/server.h"
#include "prose/store/store_pool.h"
#include "prose/util/hex.h"
#include "prose/util/random.h"

namespace prose::gba_naf {
namespace {

namespace fs = std::filesystem;

const Bytes kK = hex_literal("465b5ce8b199b49faa5f0a2ee238a6bc");
const Bytes kOpc = hex_literal("cd63cb71954a9f4e48a5994e37a02baf");
constexpr const char* kImsi = "001010000000001";
constexpr const char* kImpi = "001010000000001@ims.mnc001.mcc001.3gppnetwork.org";
constexpr const char* kNafFqdn = "pkmf.prose.test";
constexpr std::uint32_t kRsc = 0x00abcd;

std::string run_shell(const std::string& cmd) {
  std::string out;
  FILE* f = popen((cmd + " 2>&1").c_str(), "r");
  if (f == nullptr) return out;
  char buf[4096];
  std::size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  pclose(f);
  return out;
}

class GbaPkmf : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("prose-gba-naf-" + std::to_string(random_u64()));
    fs::create_directories(dir_);
    // HSS/BSF: subscriber store, Zn on Diameter, Ub on loopback HTTP.
    store_ = *hss::SubscriberStore::open((dir_ / "hss.db").string());
    ASSERT_TRUE(store_->add_subscriber(kImsi, kK, kOpc, 0, hex_literal("8000")).ok());
    service_ = std::make_unique<hss::HssService>(hss::HssConfig{}, *store_);
    service_->attach_bootstrap_sessions(&sessions_);
    auto d = hss::DiameterServer::create(*service_, "127.0.0.1", 0);
    ASSERT_TRUE(d.ok()) << d.error().to_string();
    diameter_ = std::move(*d);
    diameter_thread_ = std::thread([this] { diameter_->run(); });
    ub_ = std::make_unique<hss::UbService>(hss::UbConfig{"bsf.prose.lab", 600}, *store_, sessions_);
    ub_http_ =
        std::make_unique<net::LoopbackHttpServer>(net::LoopbackHttpServerConfig{}, [this](const net::HttpRequest& r) {
          std::string log;
          return ub_->handle(r, std::time(nullptr), log);
        });
    auto ub_port = ub_http_->start();
    ASSERT_TRUE(ub_port.ok());
    ub_url_ = gba::HttpUrl{"127.0.0.1", *ub_port, "/"};

    // PKMF in gba mode, its store with the UE provisioned.
    const std::string kek = to_hex(random_bytes(32));
    {
      store::StorePool pool("sqlite:" + (dir_ / "pkmf.db").string(), *SecretBytes::from_hex(kek));
      auto lease = pool.acquire();
      ASSERT_TRUE(lease.ok());
      ASSERT_TRUE((*lease)->upsert_ue(kImsi, {kRsc}, std::time(nullptr)).ok());
    }
    std::ofstream(dir_ / "pkmf.toml") << "[pkmf]\nfqdn = \"" << kNafFqdn
                                      << "\"\nport = 0\n[tls]\nmode = \"gba\"\n[store]\nurl = \"sqlite:pkmf.db\"\n"
                                         "kek = \""
                                      << kek << "\"\n[hss]\nhost = \"127.0.0.1\"\nport = " << diameter_->port() << "\n";
    auto cfg = pkmf::load_config((dir_ / "pkmf.toml").string());
    ASSERT_TRUE(cfg.ok()) << cfg.error().to_string();
    ASSERT_TRUE(cfg->gba_naf_fqdn.has_value());
    pkmf_ = std::make_unique<pkmf::PkmfServer>(std::move(*cfg));
    auto st = pkmf_->start();
    ASSERT_TRUE(st.ok()) << st.error().to_string();
  }
  void TearDown() override {
    if (pkmf_) pkmf_->stop();
    if (ub_http_) ub_http_->stop();
    if (diameter_) diameter_->stop();
    if (diameter_thread_.joinable()) diameter_thread_.join();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  gba::BootstrapSession bootstrap() {
    auto usim = *crypto::Usim::create(kK, kOpc);
    auto r = gba::run_bootstrap(usim, kImpi, ub_url_, std::time(nullptr));
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return std::move(r->session);
  }

  // A PC8 PRUK request (stop delivery: answered at once) through openssl s_client; returns its output.
  std::string s_client(const std::string& identity, const std::string& key_hex, const std::string& flags) {
    pc8::PrukRequest pr;
    pr.transaction_id.value = 42;
    pr.delivery = pc8::PrukDelivery::kStop;
    std::string body = *pc8::Codec::encode(pc8::Request(std::move(pr)));
    const fs::path req = dir_ / ("req-" + std::to_string(random_u32()));
    std::ofstream(req, std::ios::binary) << "POST " << pkmf::kPc8Path
                                         << " HTTP/1.1\r\nHost: pkmf\r\nContent-Type: " << pc8::kContentType
                                         << "\r\nContent-Length: " << body.size() << "\r\nConnection: close\r\n\r\n"
                                         << body;
    return run_shell("timeout 20 openssl s_client -connect 127.0.0.1:" + std::to_string(pkmf_->https_port()) +
                     " -psk_identity '" + identity + "' -psk " + key_hex + " " + flags + " -quiet < " + req.string());
  }
  static void expect_stop_ack(const std::string& out) {
    ASSERT_NE(out.find("HTTP/1.1 200 OK"), std::string::npos) << out;
    auto body = out.substr(out.find("<?xml"));
    auto resp = pc8::Codec::decode_response(body);
    ASSERT_TRUE(resp.ok()) << resp.error().to_string() << "\n" << body;
    const auto& pr = std::get<pc8::PrukResponse>(*resp);
    EXPECT_EQ(pr.transaction_id.value, 42u);
    EXPECT_TRUE(std::holds_alternative<pc8::PrukStopAck>(pr.outcome)) << body;
  }

  fs::path dir_;
  std::unique_ptr<hss::SubscriberStore> store_;
  gba::BootstrapSessions sessions_;
  std::unique_ptr<hss::HssService> service_;
  std::unique_ptr<hss::DiameterServer> diameter_;
  std::thread diameter_thread_;
  std::unique_ptr<hss::UbService> ub_;
  std::unique_ptr<net::LoopbackHttpServer> ub_http_;
  gba::HttpUrl ub_url_;
  std::unique_ptr<pkmf::PkmfServer> pkmf_;
};

TEST_F(GbaPkmf, OpensslTls12And13WithTheBtidGetThePc8AnswerForTheSubscriber) {
  gba::BootstrapSession s = bootstrap();
  ASSERT_FALSE(s.btid.empty());
  struct Case {
    const char* flags;
    gba::UaId ua;
  } cases[] = {{"-tls1_3", gba::kUaTls13},
               {"-tls1_2 -cipher PSK-AES128-CBC-SHA", gba::ua_id_tls12(0x008C)},
               {"-tls1_2 -cipher PSK-AES256-GCM-SHA384", gba::ua_id_tls12(0x00A9)}};
  for (const auto& c : cases) {
    auto key = s.ks_naf(keys::make_naf_id(kNafFqdn, c.ua));
    ASSERT_TRUE(key.ok());
    expect_stop_ack(s_client(s.btid, key->reveal_hex(), c.flags));
    // TS 33.222's prefixed identity names the same B-TID.
    if (std::string(c.flags) == "-tls1_3")
      expect_stop_ack(s_client(std::string(kIdentityPrefix) + s.btid, key->reveal_hex(), c.flags));
  }
}

TEST_F(GbaPkmf, WrongKeyUnknownBtidOrOtherTlsVersionKeyFailTheHandshake) {
  gba::BootstrapSession s = bootstrap();
  auto tls13 = *s.ks_naf(keys::make_naf_id(kNafFqdn, gba::kUaTls13));
  auto tls12 = *s.ks_naf(keys::make_naf_id(kNafFqdn, gba::ua_id_tls12(0x008C)));
  const std::string wrong = to_hex(random_bytes(32));
  for (const std::string& out : {s_client(s.btid, wrong, "-tls1_3"),
                                 s_client("AAAAAAAAAAAAAAAAAAAAAA==@bsf.prose.lab", tls13.reveal_hex(), "-tls1_3"),
                                 s_client(s.btid, tls13.reveal_hex(), "-tls1_2 -cipher PSK-AES128-CBC-SHA"),
                                 s_client(s.btid, tls12.reveal_hex(), "-tls1_3")}) {
    EXPECT_EQ(out.find("HTTP/1.1"), std::string::npos) << out;
  }
}

}  // namespace
}  // namespace prose::gba_naf
