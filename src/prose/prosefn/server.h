// The standalone ProSe Function process: HTTPS with mutual TLS serving PC3 service authorisation at kHttpPath,
// authorising from the PKMF's store. (The PKMF can host the same endpoint: prose/pkmf/server.h.)
#pragma once

#include <cstdint>
#include <memory>

#include "prose/net/server.h"
#include "prose/prosefn/config.h"
#include "prose/prosefn/directory.h"
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
  // SIGHUP: reads [tls] crl again (logged; on an error the CRLs in force stay). kState without a CRL file.
  Result<net::CrlInfo> reload_crl();

 private:
  ProseFunctionConfig config_;
  std::unique_ptr<StoreDirectory> directory_;
  std::unique_ptr<ProseFunctionService> service_;
  std::unique_ptr<net::HttpsServer> https_;
  std::uint16_t https_port_ = 0;
};

}  // namespace prose::prosefn
