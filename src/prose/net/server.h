// HttpsServer: HTTP/1.1 over TLS (mutual TLS or TLS-PSK) on an io_context thread pool.
//
// The handler receives the PeerIdentity bound to the TLS keys of the connection (client certificate or PSK
// identity) and the request; it never has to, and must not, trust an identity written in the body.
// Limits: header and body sizes (431 / 413), handshake/read/write timeouts, idle keep-alive timeout,
// a connection cap. stop() stops accepting, lets in-flight requests finish (their responses carry
// "Connection: close"), closes idle keep-alive connections, and waits at most shutdown_timeout.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "prose/net/http.h"
#include "prose/net/identity.h"
#include "prose/net/tls.h"
#include "prose/util/result.h"

namespace prose::net {

struct HttpsServerConfig {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = ephemeral (start() returns the bound port)
  int threads = 2;         // io_context threads
  TlsServerSettings tls;
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_connections = 10000;       // further connections are closed right after accept
  unsigned max_requests_per_connection = 0;  // 0 = unlimited
  std::chrono::milliseconds handshake_timeout{5000};
  std::chrono::milliseconds read_timeout{10000};  // from the first byte of a request to its last
  std::chrono::milliseconds write_timeout{10000};
  std::chrono::milliseconds idle_timeout{30000};  // keep-alive: waiting for the next request
  std::chrono::milliseconds shutdown_timeout{5000};
  std::string server_header = "prose";
};

struct ServerStats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_rejected = 0;  // over max_connections
  std::uint64_t handshakes_failed = 0;
  std::uint64_t sessions_resumed = 0;
  std::uint64_t requests = 0;
  std::uint64_t bad_requests = 0;  // 400 / 413 / 431 / timeouts while reading
  std::uint64_t active_connections = 0;
};

class HttpsServer {
 public:
  using Handler = std::function<HttpResponse(const PeerIdentity&, const HttpRequest&)>;
  // Asynchronous variant: call `respond` exactly once, from any thread, possibly later (further calls are
  // ignored). Call or drop every Responder before the server is destroyed.
  using Responder = std::function<void(HttpResponse)>;
  using AsyncHandler = std::function<void(const PeerIdentity&, HttpRequest, Responder)>;

  HttpsServer(HttpsServerConfig config, Handler handler);
  HttpsServer(HttpsServerConfig config, AsyncHandler handler);
  ~HttpsServer();  // stop()
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  // Builds the TLS context, binds, listens and starts the threads. Returns the bound port.
  Result<std::uint16_t> start();
  // Graceful shutdown (idempotent). Returns true when every connection ended within shutdown_timeout.
  bool stop();
  // Reads tls.crl_file again; later handshakes use it (established connections keep running). On an error the
  // CRLs in force stay. kState when the server was started without a CRL file.
  Result<CrlInfo> reload_crl();

  ServerStats stats() const;

  struct Impl;  // implementation detail (server.cpp)

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace prose::net
