// The PKMF as a running server: HTTPS (mutual TLS) for PC8 Key Requests at kPc8Path and Prometheus metrics at
// /metrics (operator certificates only; optionally also plain HTTP on loopback), the MIKEY UDP sender, the store
// pool, audit retention and the HSS/BSF connection, wired from a PkmfConfig.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "prose/gba_naf/naf_keys.h"
#include "prose/net/metrics_text.h"
#include "prose/net/plain_server.h"
#include "prose/net/server.h"
#include "prose/pkmf/audit_retention.h"
#include "prose/pkmf/config.h"
#include "prose/pkmf/mikey_sender.h"

namespace prose::pkmf {

inline constexpr std::string_view kPc8Path = "/prose/pc8";  // provisional: docs/profile.md section 5
using net::kMetricsContentType;
using net::kMetricsPath;

// The HTTP binding of the service, separate so tests can call it without a socket. /metrics: 403 unless the peer
// is an operator (PeerKind::kOperator); UEs and relays are never shown it.
net::HttpResponse handle_http(PkmfService& service, Metrics& metrics, const net::PeerIdentity& peer,
                              const net::HttpRequest& req, std::int64_t now);
// The same, answered through `respond` (PkmfService::handle_async: a batched KD request is answered later, from the
// batcher's thread).
void handle_http_async(PkmfService& service, Metrics& metrics, const net::PeerIdentity& peer,
                       const net::HttpRequest& req, std::int64_t now, net::HttpsServer::Responder respond);

// A service the process hosts on the PKMF's HTTPS port next to PC8 (pkmf_host/ adds the ProSe Function's PC3 path):
// requests whose target is `path` go to `handler`. Each is counted in the metrics as one `exchange`; an answer
// other than 200 also as a malformed request and an HTTP error of its status.
struct HostedRoute {
  std::string path;
  Exchange exchange;
  std::function<net::HttpResponse(const net::PeerIdentity&, const net::HttpRequest&)> handler;
};

class PkmfServer {
 public:
  explicit PkmfServer(PkmfConfig config);
  ~PkmfServer();
  // Before start(): serve `route` on the HTTPS port too.
  void add_route(HostedRoute route);
  // Opens the store (and migrates it), binds HTTPS and MIKEY sockets, starts the threads.
  Status start();
  void stop();  // graceful
  std::uint16_t https_port() const { return https_port_; }
  std::uint16_t mikey_port() const { return mikey_port_; }
  // The plain-HTTP metrics port ([pkmf] metrics_listen), 0 without one.
  std::uint16_t metrics_port() const { return metrics_port_; }
  // SIGHUP: reads [tls] crl again (logged; on an error the CRLs in force stay). kState without a CRL file.
  Result<net::CrlInfo> reload_crl();
  PkmfService& service() { return *service_; }
  Metrics& metrics() { return metrics_; }

 private:
  PkmfConfig config_;
  Metrics metrics_;
  std::unique_ptr<store::StorePool> stores_;
  std::unique_ptr<HssGbaPush> gba_;
  std::unique_ptr<gba_naf::NafKeys> naf_keys_;  // [tls] mode = "gba"
  std::unique_ptr<UdpMikeySender> mikey_;
  std::unique_ptr<PkmfService> service_;
  std::unique_ptr<net::HttpsServer> https_;
  std::unique_ptr<net::LoopbackHttpServer> metrics_http_;
  std::unique_ptr<AuditRetention> audit_retention_;
  std::uint16_t https_port_ = 0;
  std::uint16_t mikey_port_ = 0;
  std::uint16_t metrics_port_ = 0;
  std::vector<HostedRoute> routes_;
};

}  // namespace prose::pkmf
