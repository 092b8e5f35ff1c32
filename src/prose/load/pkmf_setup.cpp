#include "prose/load/pkmf_setup.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <utility>

#include "prose/load/abort.h"
#include "prose/store/store.h"
#include "prose/util/random.h"

namespace prose::load {

namespace fs = std::filesystem;

PkmfSetup write_pkmf_setup(const std::string& dir, std::uint16_t port, const std::string& store_url,
                           const std::function<std::string(std::string)>& edit) {
  pkmf::ExampleConfigOptions ex;
  ex.dir = dir;
  ex.port = port;
  ex.mikey_port = 0;
  ex.hss_port = std::nullopt;
  ex.ue_imsis = {};
  ex.relay_ids = {"r1"};
  ex.store_url = store_url;
  PkmfSetup s;
  s.config_path = must(pkmf::write_example_config(ex), "PKMF example config");
  {
    std::ifstream in(s.config_path);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    text = std::regex_replace(text, std::regex("log_level = \"info\""), "log_level = \"warn\"");
    if (edit) text = edit(std::move(text));
    std::ofstream(s.config_path) << text;
  }
  s.config = must(pkmf::load_config(s.config_path), "PKMF config");
  return s;
}

std::vector<ProvisionedUe> provision_ues(const pkmf::PkmfConfig& config, std::size_t n, std::uint32_t relay_rsc,
                                         const std::function<std::uint32_t(std::size_t)>& rsc_of, bool keep_pruks,
                                         const std::function<void(std::size_t)>& progress) {
  auto store = must(store::open_store(config.store_url, config.kek), "store");
  // A database that holds keys of an earlier run (another KEK) would make the PKMF refuse to start.
  must(store->check_kek(), "store (an empty database, or --workdir of the run that provisioned it)");
  must(store->upsert_relay("r1", {relay_rsc}), "relay");
  std::vector<ProvisionedUe> ues(n);
  constexpr std::size_t kBatch = 50000;
  for (std::size_t base = 0; base < n; base += kBatch) {
    const std::size_t m = std::min(kBatch, n - base);
    std::vector<std::pair<std::string, std::vector<std::uint32_t>>> rows;
    std::vector<store::PrukRecord> pruks;
    for (std::size_t i = base; i < base + m; ++i) {
      ProvisionedUe& u = ues[i];
      u.imsi = std::to_string(1010000000000ull + i);
      u.pruk_id = random_u64_nonzero();
      store::PrukRecord r;
      r.imsi = u.imsi;
      r.pruk_id = u.pruk_id;
      r.pruk = random_secret(32);
      if (keep_pruks) u.pruk = r.pruk.clone();
      r.created_at = std::time(nullptr);
      rows.push_back({u.imsi, {rsc_of(i)}});
      pruks.push_back(std::move(r));
    }
    must(store->bulk_upsert_ues(rows, std::time(nullptr), nullptr), "provision UEs");
    must(store->bulk_insert_pruks(pruks), "provision PRUKs");
    if (progress) progress(base + m);
  }
  return ues;
}

Result<std::unique_ptr<net::HttpsClient>> relay_client(const std::string& pki_dir, std::uint16_t port,
                                                       bool session_resumption) {
  net::HttpsClientConfig c;
  c.port = port;
  const fs::path pki(pki_dir);
  c.tls.ca_file = (pki / "ca.pem").string();
  c.tls.cert_file = (pki / "relay-r1.pem").string();
  c.tls.key_file = (pki / "relay-r1.key").string();
  c.tls.server_name = "pkmf.prose.test";
  c.tls.keylog_from_env = false;
  c.tls.session_resumption = session_resumption;
  return net::HttpsClient::create(c);
}

}  // namespace prose::load
