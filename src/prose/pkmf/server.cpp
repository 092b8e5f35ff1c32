#include "prose/pkmf/server.h"

#include <chrono>

#include "prose/gba_naf/zn_fetch.h"
#include "prose/pc8/codec.h"
#include "prose/util/log.h"

namespace prose::pkmf {

namespace {

// handle_http up to the service: the request's PC8 message, or the HTTP answer that refuses it.
std::variant<net::HttpResponse, pc8::Request> pc8_request(Metrics& metrics, const net::PeerIdentity& peer,
                                                          const net::HttpRequest& req) {
  if (req.target == kMetricsPath) {
    if (peer.kind() != net::PeerKind::kOperator) {
      metrics.http_error(403);
      return net::make_error_response(403, "metrics are served to operator certificates only");
    }
    if (req.method != "GET") {
      metrics.http_error(405);
      return net::make_error_response(405, "method not allowed");
    }
    return net::make_response(200, std::string(kMetricsContentType), metrics.render());
  }
  if (req.target != kPc8Path) {
    metrics.http_error(404);
    return net::make_error_response(404, "not found");
  }
  if (req.method != "POST") {
    metrics.http_error(405);
    return net::make_error_response(405, "method not allowed");
  }
  if (!req.has_media_type(pc8::kContentType)) {
    metrics.http_error(415);
    return net::make_error_response(415, "content type must be " + std::string(pc8::kContentType));
  }
  auto request = pc8::Codec::decode_request(req.body);
  if (!request.ok()) {
    metrics.http_error(400);
    log::warn("pc8: rejected a request from {}: {}", peer.to_string(), request.error().to_string());
    return net::make_error_response(400, request.error().to_string());
  }
  return std::move(*request);
}

// handle_http after the service: the service's PC8 response as HTTP.
net::HttpResponse pc8_http_response(const net::PeerIdentity& peer, const pc8::Response& response) {
  auto xml = pc8::Codec::encode(response);
  if (!xml.ok()) {
    log::error("pc8: cannot encode a response for {}: {}", peer.to_string(), xml.error().to_string());
    return net::make_error_response(500, "internal error");
  }
  bool unavailable = false;
  std::visit(
      [&](const auto& r) {
        using T = std::decay_t<decltype(r)>;
        std::string outcome = "granted";
        if (auto* e = std::get_if<pc8::ErrorCode>(&r.outcome)) {
          outcome = std::string(pc8::error_code_name(*e));
          unavailable = *e == pc8::ErrorCode::kTemporarilyUnavailable;
        }
        log::info("pc8: peer={} kind={} tid={} outcome={}", peer.to_string(),
                  pc8::kind_name(pc8::kind_of(pc8::Message(r.clone()))), r.transaction_id.value, outcome);
        (void)sizeof(T);
      },
      response);
  // The store (or the HSS/BSF) is unreachable: HTTP 503 with the PC8 response (its temporarily-unavailable code) as
  // the body, so HTTP-level clients and proxies see it too, and Retry-After.
  net::HttpResponse out = net::make_response(unavailable ? 503 : 200, std::string(pc8::kContentType), std::move(*xml));
  if (unavailable) out.headers.emplace_back("Retry-After", "1");
  return out;
}

}  // namespace

net::HttpResponse handle_http(PkmfService& service, Metrics& metrics, const net::PeerIdentity& peer,
                              const net::HttpRequest& req, std::int64_t now) {
  auto request = pc8_request(metrics, peer, req);
  if (auto* refused = std::get_if<net::HttpResponse>(&request)) return std::move(*refused);
  return pc8_http_response(peer, service.handle(peer, req.remote_address, std::get<pc8::Request>(request), now));
}

void handle_http_async(PkmfService& service, Metrics& metrics, const net::PeerIdentity& peer,
                       const net::HttpRequest& req, std::int64_t now, net::HttpsServer::Responder respond) {
  auto request = pc8_request(metrics, peer, req);
  if (auto* refused = std::get_if<net::HttpResponse>(&request)) {
    respond(std::move(*refused));
    return;
  }
  service.handle_async(
      peer, req.remote_address, std::move(std::get<pc8::Request>(request)), now,
      [peer, respond = std::move(respond)](pc8::Response response) { respond(pc8_http_response(peer, response)); });
}

PkmfServer::PkmfServer(PkmfConfig config) : config_(std::move(config)) {}

PkmfServer::~PkmfServer() { stop(); }

void PkmfServer::add_route(HostedRoute route) { routes_.push_back(std::move(route)); }

Status PkmfServer::start() {
  stores_ = std::make_unique<store::StorePool>(config_.store_url, config_.kek.clone());
  bool remote_store = false;
  {
    PROSE_TRY(auto lease, stores_->acquire());  // opens and migrates the schema now, not on the first request
    remote_store = !lease->server().empty();
    if (auto kek = lease->check_kek(); !kek.ok()) return fail(kek.error().code, "store: " + kek.error().message);
    log::info("store: backend={} schema={} server={}", lease->backend_name(), lease->schema_version(),
              lease->server().empty() ? "embedded" : lease->server());
  }
  if (config_.hss) gba_ = std::make_unique<HssGbaPush>(*config_.hss);
  mikey_ = std::make_unique<UdpMikeySender>(config_.service.policy, metrics_);
  service_ = std::make_unique<PkmfService>(config_.service, *stores_, metrics_, gba_.get(), mikey_.get());
  PkmfService* svc = service_.get();
  // On a database server KD lookups wait in the batcher, not in the HTTPS I/O threads (docs/performance/pkmf.md).
  if (remote_store) svc->enable_kd_batching(config_.kd_batch);
  PROSE_TRY(mikey_port_, mikey_->start(
                             config_.mikey_bind, config_.mikey_port,
                             [svc](ByteView m) { return svc->on_verification(m, std::time(nullptr)); },
                             [svc](std::uint32_t csb) { svc->on_delivery_abandoned(csb); },
                             [svc](const std::vector<MikeyProgress>& p) { svc->on_delivery_progress(p); }));
  svc->start_resuming();  // deliveries a killed PKMF left behind (issue 17 defect 7)
  Metrics* metrics = &metrics_;
  if (config_.gba_naf_fqdn && config_.hss) {
    naf_keys_ = std::make_unique<gba_naf::NafKeys>(*config_.gba_naf_fqdn, gba_naf::zn_fetch(config_.hss->diameter));
    naf_keys_->set_relays(config_.gba_relays);
    config_.https.tls.psk_grant = naf_keys_->callback([](const std::string& line) { log::warn("{}", line); });
    log::info("tls: mode=gba naf_fqdn={} (PSK-TLS, B-TID keys from the BSF over Zn)", *config_.gba_naf_fqdn);
  }
  https_ = std::make_unique<net::HttpsServer>(
      config_.https, net::HttpsServer::AsyncHandler([svc, metrics, routes = routes_](
                                                        const net::PeerIdentity& peer, net::HttpRequest req,
                                                        net::HttpsServer::Responder respond) {
        for (const HostedRoute& route : routes) {
          if (req.target != route.path) continue;
          const auto t0 = std::chrono::steady_clock::now();
          net::HttpResponse resp = route.handler(peer, req);
          metrics->request(route.exchange, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                           resp.status == 200 ? std::nullopt : std::optional(pc8::ErrorCode::kMalformedRequest));
          if (resp.status != 200) metrics->http_error(resp.status);
          respond(std::move(resp));
          return;
        }
        handle_http_async(*svc, *metrics, peer, req, std::time(nullptr), std::move(respond));
      }));
  metrics_.set_https_stats([https = https_.get()] { return https->stats(); });
  metrics_.set_state_source([svc, stores = stores_.get()] {
    Metrics::State st;
    st.mikey_pending = svc->pending_verifications();
    bool read_write = false;
    if (auto lease = stores->acquire(); lease.ok()) {
      if (auto rows = (*lease)->row_counts(); rows.ok()) st.store_rows = std::move(*rows);
      if (auto rw = (*lease)->read_write(); rw.ok()) read_write = *rw;
    }  // the lease goes back first: a connection found lost shows as not connected
    store::StorePool::Health h = stores->health();
    st.store_server = Metrics::State::Server{h.connected, h.connected && read_write, h.failovers};
    return st;
  });
  PROSE_TRY(https_port_, https_->start());
  if (config_.metrics_listen) {
    net::LoopbackHttpServerConfig mc;
    mc.bind_address = config_.metrics_listen->address;
    mc.port = config_.metrics_listen->port;
    metrics_http_ = std::make_unique<net::LoopbackHttpServer>(mc, [metrics](const net::HttpRequest& req) {
      if (req.target != kMetricsPath) return net::make_error_response(404, "not found");
      return net::make_response(200, std::string(kMetricsContentType), metrics->render());
    });
    PROSE_TRY(metrics_port_, metrics_http_->start());
  }
  audit_retention_ = std::make_unique<AuditRetention>(*stores_, config_.audit_retention_days);
  log::info("pkmf: fqdn={} https={}:{} mikey={}:{} hss={}", config_.service.fqdn, config_.https.bind_address,
            https_port_, config_.mikey_bind, mikey_port_,
            config_.hss ? config_.hss->diameter.host + ":" + std::to_string(config_.hss->diameter.port) : "none");
  log::info("pkmf: crl={} metrics_listen={} audit_retention_days={}",
            config_.https.tls.crl_file.empty() ? "none" : config_.https.tls.crl_file,
            config_.metrics_listen ? config_.metrics_listen->address + ":" + std::to_string(metrics_port_) : "none",
            config_.audit_retention_days);
  return ok_status();
}

Result<net::CrlInfo> PkmfServer::reload_crl() {
  if (!https_) return fail(Errc::kState, "the PKMF is not running");
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

void PkmfServer::stop() {
  if (https_) https_->stop();
  if (metrics_http_) metrics_http_->stop();
  if (service_) service_->stop_kd_batching();  // its queued requests answer through https_, destroyed below
  if (service_) service_->stop_resuming();     // hands nothing more to the sender it stops next
  if (mikey_) mikey_->stop();
  metrics_.set_https_stats(nullptr);
  metrics_.set_state_source(nullptr);
  audit_retention_.reset();
  https_.reset();
}

}  // namespace prose::pkmf
