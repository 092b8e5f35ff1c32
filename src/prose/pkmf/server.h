// The PKMF as a running server: HTTPS (mutual TLS) for PC8 Key Requests at kPc8Path and Prometheus metrics at
// /metrics, the MIKEY UDP sender, the store pool and the HSS/BSF connection, wired from a PkmfConfig.
#pragma once

#include <atomic>
#include <memory>
#include <string_view>

#include "prose/net/server.h"
#include "prose/pkmf/config.h"
#include "prose/pkmf/mikey_sender.h"
#include "prose/prosefn/directory.h"
#include "prose/prosefn/service.h"

namespace prose::pkmf {

inline constexpr std::string_view kPc8Path = "/prose/pc8";  // provisional: docs/profile.md section 5
inline constexpr std::string_view kMetricsPath = "/metrics";

// The HTTP binding of the service, separate so tests can call it without a socket.
net::HttpResponse handle_http(PkmfService& service, Metrics& metrics, const net::PeerIdentity& peer,
                              const net::HttpRequest& req, std::int64_t now);

class PkmfServer {
 public:
  explicit PkmfServer(PkmfConfig config);
  ~PkmfServer();
  // Opens the store (and migrates it), binds HTTPS and MIKEY sockets, starts the threads.
  Status start();
  void stop();  // graceful
  std::uint16_t https_port() const { return https_port_; }
  std::uint16_t mikey_port() const { return mikey_port_; }
  PkmfService& service() { return *service_; }
  Metrics& metrics() { return metrics_; }

 private:
  PkmfConfig config_;
  Metrics metrics_;
  std::unique_ptr<store::StorePool> stores_;
  std::unique_ptr<HssGbaPush> gba_;
  std::unique_ptr<UdpMikeySender> mikey_;
  std::unique_ptr<PkmfService> service_;
  std::unique_ptr<net::HttpsServer> https_;
  std::uint16_t https_port_ = 0;
  std::uint16_t mikey_port_ = 0;
  // The hosted ProSe Function ([prose_function]): PC3 at prosefn::kHttpPath on the same HTTPS port. Published
  // once the HTTPS port is known (it may be the PKMF address's port); until then PC3 requests get 503.
  std::unique_ptr<prosefn::StoreDirectory> pf_directory_;
  std::unique_ptr<prosefn::ProseFunctionService> pf_service_;
  std::atomic<prosefn::ProseFunctionService*> pf_live_{nullptr};
};

}  // namespace prose::pkmf
