// The PKMF of pkmf_load.h: a fresh example configuration with N provisioned UEs (one PRUK each) and relay r1 in a
// temporary directory, and `prose pkmf` running on it as a child process.
#pragma once

#include <filesystem>
#include <memory>
#include <ostream>
#include <random>
#include <vector>

#include "prose/load/pkmf_load.h"
#include "prose/load/pkmf_setup.h"
#include "prose/testbed/process.h"

namespace prose::load {

class PkmfUnderTest {
 public:
  explicit PkmfUnderTest(const PkmfLoadOptions& o);
  ~PkmfUnderTest();

  void setup(std::ostream& err);  // configuration and provisioning
  void start();                   // the process, until it answers /metrics
  void stop();

  // A relay client (mutual TLS) of the PKMF.
  Result<std::unique_ptr<net::HttpsClient>> client(bool resume = true) const;
  // One KD request for a random provisioned PRUK: true when the PKMF granted it.
  bool kd_request(net::HttpsClient& client, std::mt19937_64& rng) const;

  pid_t pid() const { return process_.pid(); }
  const pkmf::PkmfConfig& config() const { return setup_.config; }
  double provision_s() const { return provision_s_; }

 private:
  const PkmfLoadOptions& o_;
  std::filesystem::path dir_;
  PkmfSetup setup_;
  std::vector<std::uint64_t> pruk_ids_;
  double provision_s_ = 0;
  testbed::Process process_;
};

// RSS in KiB as MiB, as std::to_string prints a double ("20.984375").
std::string mib(long kib);

}  // namespace prose::load
