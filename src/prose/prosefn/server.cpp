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

void ProseFunctionServer::stop() {
  if (https_) https_->stop();
  https_.reset();
}

}  // namespace prose::prosefn
