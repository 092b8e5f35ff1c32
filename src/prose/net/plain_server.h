// LoopbackHttpServer: plain HTTP/1.1 (no TLS, no client identity) for a scraper on the same host, e.g. the PKMF's
// Prometheus metrics (`[pkmf] metrics_listen`). Because nothing authenticates the client, it binds loopback
// addresses only (127.0.0.0/8, ::1). Small by design: GET and HEAD only, no request body, one request per
// connection, a few connections at a time, one I/O thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "prose/net/http.h"
#include "prose/util/result.h"

namespace prose::net {

struct LoopbackHttpServerConfig {
  std::string bind_address = "127.0.0.1";   // must be a loopback address
  std::uint16_t port = 0;                   // 0 = ephemeral (start() returns the bound port)
  std::size_t max_header_bytes = 8 * 1024;  // 431 above
  std::size_t max_connections = 16;         // further connections are closed right after accept
  std::chrono::milliseconds timeout{5000};  // the whole exchange: request and response
  std::string server_header = "prose";
};

class LoopbackHttpServer {
 public:
  // Called on the I/O thread for each GET or HEAD (a HEAD answer is sent without its body).
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  LoopbackHttpServer(LoopbackHttpServerConfig config, Handler handler);
  ~LoopbackHttpServer();  // stop()
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  // Binds and starts the thread; returns the bound port. kInvalidArgument for an address that is not loopback.
  Result<std::uint16_t> start();
  void stop();  // idempotent; open connections are dropped

  struct Impl;  // implementation detail (plain_server.cpp)

 private:
  std::unique_ptr<Impl> impl_;
};

// "HOST:PORT" ("127.0.0.1:9464", "[::1]:9464") -> address and port; kInvalidArgument unless HOST is a loopback IP
// address and PORT is 1..65535.
struct LoopbackEndpoint {
  std::string address;
  std::uint16_t port = 0;
};
Result<LoopbackEndpoint> parse_loopback_endpoint(std::string_view text);

}  // namespace prose::net
