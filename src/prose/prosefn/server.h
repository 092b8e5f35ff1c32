// The standalone ProSe Function process: HTTPS with mutual TLS serving PC3 service authorisation at kHttpPath,
// authorising from the PKMF's store, and Prometheus metrics at /metrics (operator certificates only; optionally also
// plain HTTP on loopback). (The `prose pkmf` process can host the PC3 endpoint: prose/pkmf_host/host.h.)
#pragma once

#include <cstdint>
#include <memory>

#include "prose/net/plain_server.h"
#include "prose/net/server.h"
#include "prose/prosefn/config.h"
#include "prose/prosefn/directory.h"
#include "prose/prosefn/metrics.h"
#include "prose/prosefn/service.h"

namespace prose::prosefn {

class ProseFunctionServer {
 public:
  explicit ProseFunctionServer(ProseFunctionConfig config);
  ~ProseFunctionServer();
  // Opens the store, binds HTTPS, starts the threads.
  Status start();
  void stop();  // graceful
  std::uint16_t https_port() const { return https_port_; }
  // The plain-HTTP metrics port ([prose_function] metrics_listen), 0 without one.
  std::uint16_t metrics_port() const { return metrics_port_; }
  Metrics& metrics() { return metrics_; }
  // SIGHUP: reads [tls] crl again (logged; on an error the CRLs in force stay). kState without a CRL file.
  Result<net::CrlInfo> reload_crl();

 private:
  ProseFunctionConfig config_;
  Metrics metrics_;
  std::unique_ptr<StoreDirectory> directory_;
  std::unique_ptr<ProseFunctionService> service_;
  std::unique_ptr<net::HttpsServer> https_;
  std::unique_ptr<net::LoopbackHttpServer> metrics_http_;
  std::uint16_t https_port_ = 0;
  std::uint16_t metrics_port_ = 0;
};

}  // namespace prose::prosefn
