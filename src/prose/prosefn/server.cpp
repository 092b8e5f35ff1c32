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
  Metrics* metrics = &metrics_;
  https_ = std::make_unique<net::HttpsServer>(
      config_.https, [svc, metrics](const net::PeerIdentity& peer, const net::HttpRequest& req) {
        if (req.target == net::kMetricsPath) {
          if (peer.kind() != net::PeerKind::kOperator) {
            metrics->http_error(403);
            return net::make_error_response(403, "metrics are served to operator certificates only");
          }
          if (req.method != "GET") {
            metrics->http_error(405);
            return net::make_error_response(405, "method not allowed");
          }
          return net::make_response(200, std::string(net::kMetricsContentType), metrics->render());
        }
        return handle_http(*svc, peer, req, std::time(nullptr), metrics);
      });
  metrics_.set_https_stats([https = https_.get()] { return https->stats(); });
  PROSE_TRY(https_port_, https_->start());
  if (config_.metrics_listen) {
    net::LoopbackHttpServerConfig mc;
    mc.bind_address = config_.metrics_listen->address;
    mc.port = config_.metrics_listen->port;
    metrics_http_ = std::make_unique<net::LoopbackHttpServer>(mc, [metrics](const net::HttpRequest& req) {
      if (req.target != net::kMetricsPath) return net::make_error_response(404, "not found");
      return net::make_response(200, std::string(net::kMetricsContentType), metrics->render());
    });
    PROSE_TRY(metrics_port_, metrics_http_->start());
  }
  const auto& p = config_.parameters.pkmf;
  log::info("start: https={}:{} store={} pkmf=https://{}:{} (server name {}, fqdn {}) metrics_listen={}",
            config_.https.bind_address, https_port_, directory_->backend_name(), p.host, p.port, p.server_name, p.fqdn,
            config_.metrics_listen ? config_.metrics_listen->address + ":" + std::to_string(metrics_port_) : "none");
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
  if (metrics_http_) metrics_http_->stop();
  metrics_.set_https_stats(nullptr);
  https_.reset();
}

}  // namespace prose::prosefn
