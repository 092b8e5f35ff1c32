#include "prose/pkmf_host/host.h"

#include <ctime>

#include "prose/config/toml_reader.h"
#include "prose/pc3/constants.h"
#include "prose/prosefn/toml_section.h"
#include "prose/util/log.h"

namespace prose::pkmf_host {

Result<HostConfig> load_config(const std::string& path) {
  HostConfig c;
  PROSE_TRY(c.pkmf, pkmf::load_config(path));
  PROSE_TRY(toml::table t, config::parse_file(path));
  PROSE_TRY(c.prose_function,
            prosefn::parse_hosted_section(t, path, c.pkmf.https.bind_address, c.pkmf.https.port, c.pkmf.service.fqdn));
  return c;
}

PkmfHost::PkmfHost(HostConfig config)
    : pf_config_(std::move(config.prose_function)),
      pf_directory_(pf_config_
                        ? std::make_unique<prosefn::StoreDirectory>(config.pkmf.store_url, config.pkmf.kek.clone())
                        : nullptr),
      server_(std::move(config.pkmf)) {}

PkmfHost::~PkmfHost() { stop(); }

Status PkmfHost::start() {
  if (pf_config_) {
    PROSE_TRY_STATUS(pf_directory_->open());
    server_.add_route({std::string(pc3::kHttpPath), pkmf::Exchange::kServiceAuthorisation,
                       [this](const net::PeerIdentity& peer, const net::HttpRequest& req) {
                         prosefn::ProseFunctionService* s = pf_live_.load();
                         if (s == nullptr) return net::make_error_response(503, "starting");
                         return prosefn::handle_http(*s, peer, req, std::time(nullptr));
                       }});
  }
  PROSE_TRY_STATUS(server_.start());
  if (pf_config_) {
    prosefn::ParameterDefaults params = pf_config_->parameters;
    if (pf_config_->pkmf_port_from_server) params.pkmf.port = server_.https_port();
    pf_service_ = std::make_unique<prosefn::ProseFunctionService>(params, *pf_directory_);
    pf_live_.store(pf_service_.get());
    log::info("pkmf: hosting the ProSe Function at {} (PKMF address https://{}:{}, server name {}, fqdn {})",
              pc3::kHttpPath, params.pkmf.host, params.pkmf.port, params.pkmf.server_name, params.pkmf.fqdn);
  }
  return ok_status();
}

void PkmfHost::stop() { server_.stop(); }

}  // namespace prose::pkmf_host
