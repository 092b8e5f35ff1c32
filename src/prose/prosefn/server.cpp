#include "prose/prosefn/server.h"

#include <ctime>
#include <utility>

#include "prose/util/log.h"

namespace prose::prosefn {

ProseFunctionServer::ProseFunctionServer(ProseFunctionConfig config) : config_(std::move(config)) {}

ProseFunctionServer::~ProseFunctionServer() { stop(); }

Status ProseFunctionServer::start() {
  PROSE_TRY_STATUS(validate(config_.parameters));
  directory_ = std::make_unique<StoreDirectory>(config_.store_url, config_.kek.clone());
  PROSE_TRY_STATUS(directory_->open());
  service_ = std::make_unique<ProseFunctionService>(config_.parameters, *directory_);
  ProseFunctionService* svc = service_.get();
  https_ = std::make_unique<net::HttpsServer>(config_.https,
                                              [svc](const net::PeerIdentity& peer, const net::HttpRequest& req) {
                                                return handle_http(*svc, peer, req, std::time(nullptr));
                                              });
  PROSE_TRY(https_port_, https_->start());
  const auto& p = config_.parameters.pkmf;
  log::info("start: https={}:{} store={} pkmf=https://{}:{} (server name {}, fqdn {})", config_.https.bind_address,
            https_port_, directory_->backend_name(), p.host, p.port, p.server_name, p.fqdn);
  return ok_status();
}

Result<net::CrlInfo> ProseFunctionServer::reload_crl() {
  if (!https_) return fail(Errc::kState, "the ProSe Function is not running");
  if (config_.https.tls.crl_file.empty()) {
    log::info("tls: no [tls] crl configured, nothing to reload");
    return fail(Errc::kState, "no [tls] crl configured");
  }
  auto info = https_->reload_crl();
  if (info.ok())
    log::info("tls: CRL reloaded from {}: {}", config_.https.tls.crl_file, net::describe(*info));
  else
    log::error("tls: CRL not reloaded, the previous one stays in force: {}", info.error().to_string());
  return info;
}

void ProseFunctionServer::stop() {
  if (https_) https_->stop();
  https_.reset();
}

}  // namespace prose::prosefn
