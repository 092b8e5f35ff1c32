// The PKMF of pkmf_load.h: a fresh example configuration with N provisioned UEs (one PRUK each) and relay r1 in a
// temporary directory (or a kept --workdir, reused when it was provisioned for the same UEs and store), and
// `prose pkmf` running on it as one child process, or as several on the same store (--pkmfs).
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
  void start();                   // the processes, until each answers /metrics
  void stop();

  // A relay client (mutual TLS) of PKMF `index` (0 .. pkmfs-1).
  Result<std::unique_ptr<net::HttpsClient>> client(bool resume = true, std::size_t index = 0) const;
  // One KD request for a random provisioned PRUK: true when the PKMF granted it.
  bool kd_request(net::HttpsClient& client, std::mt19937_64& rng) const;

  pid_t pid(std::size_t index = 0) const { return processes_[index].pid(); }
  std::size_t count() const { return processes_.size(); }
  const pkmf::PkmfConfig& config() const { return setup_.config; }
  double provision_s() const { return provision_s_; }

 private:
  const PkmfLoadOptions& o_;
  bool reuse();  // a kept work directory provisioned for the same UEs and store: its configuration and PRUK IDs
  std::filesystem::path dir_;
  bool keep_dir_ = false;
  std::vector<std::uint16_t> ports_;
  PkmfSetup setup_;
  std::vector<std::uint64_t> pruk_ids_;
  double provision_s_ = 0;
  std::vector<testbed::Process> processes_;
};

// RSS in KiB as MiB, as std::to_string prints a double ("20.984375").
std::string mib(long kib);

}  // namespace prose::load
