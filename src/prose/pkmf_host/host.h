// The `prose pkmf` process: the PKMF server and, when its configuration has a [prose_function] section, the ProSe
// Function's PC3 service authorisation on the same HTTPS port (pc3::kHttpPath), authorising from the PKMF's store.
// This is where the two network functions are wired together; neither module includes the other.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "prose/pkmf/config.h"
#include "prose/pkmf/server.h"
#include "prose/prosefn/config.h"
#include "prose/prosefn/directory.h"
#include "prose/prosefn/service.h"
#include "prose/util/result.h"

namespace prose::pkmf_host {

struct HostConfig {
  pkmf::PkmfConfig pkmf;
  // [prose_function]: nullopt when absent or enabled = false.
  std::optional<prosefn::HostedConfig> prose_function;
};

// pkmf::load_config, then the [prose_function] section (prosefn/toml_section.h): the PKMF's errors first, then
// those of the section, each "<file>: <key>: <problem>".
Result<HostConfig> load_config(const std::string& path);

class PkmfHost {
 public:
  explicit PkmfHost(HostConfig config);
  ~PkmfHost();
  PkmfHost(const PkmfHost&) = delete;
  PkmfHost& operator=(const PkmfHost&) = delete;

  // Opens the ProSe Function's view of the store, starts the PKMF, then publishes the ProSe Function with the PKMF
  // address (its port may be the one the PKMF bound). Until then PC3 requests get 503.
  Status start();
  void stop();
  pkmf::PkmfServer& pkmf() { return server_; }

 private:
  std::optional<prosefn::HostedConfig> pf_config_;
  std::unique_ptr<prosefn::StoreDirectory> pf_directory_;
  std::unique_ptr<prosefn::ProseFunctionService> pf_service_;
  std::atomic<prosefn::ProseFunctionService*> pf_live_{nullptr};
  pkmf::PkmfServer server_;  // declared last: stopped and destroyed before the ProSe Function it routes to
};

}  // namespace prose::pkmf_host
