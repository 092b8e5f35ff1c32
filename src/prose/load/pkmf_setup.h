// The PKMF under a load test: its example configuration in a work directory (relay r1, no MIKEY, no HSS, log level
// warn), N UEs provisioned in its store with one PRUK each, and relay r1's mutual-TLS client of it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "prose/net/client.h"
#include "prose/pkmf/config.h"
#include "prose/util/secret.h"

namespace prose::load {

struct PkmfSetup {
  std::string config_path;
  pkmf::PkmfConfig config;
};

// Writes the example configuration into `dir` for `port` (store_url "": SQLite in `dir`), with `edit` applied to the
// text after log_level is set to "warn", and loads it back. Abort on failure.
PkmfSetup write_pkmf_setup(const std::string& dir, std::uint16_t port, const std::string& store_url,
                           const std::function<std::string(std::string)>& edit = {});

struct ProvisionedUe {
  std::string imsi;  // 1010000000000 + i
  std::uint64_t pruk_id = 0;
  SecretBytes pruk;  // empty unless keep_pruks
};

// Provisions relay r1 for `relay_rsc` and `n` UEs in 50,000-row batches, UE i authorised for rsc_of(i); `progress`
// (optional) after each batch with the count so far. Abort on failure.
std::vector<ProvisionedUe> provision_ues(const pkmf::PkmfConfig& config, std::size_t n, std::uint32_t relay_rsc,
                                         const std::function<std::uint32_t(std::size_t)>& rsc_of, bool keep_pruks,
                                         const std::function<void(std::size_t)>& progress = {});

// Relay r1's client of the PKMF on 127.0.0.1:port, with the certificates of the example PKI under `pki_dir`.
Result<std::unique_ptr<net::HttpsClient>> relay_client(const std::string& pki_dir, std::uint16_t port,
                                                       bool session_resumption = true);

}  // namespace prose::load
