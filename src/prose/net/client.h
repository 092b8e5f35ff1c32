// HttpsClient: a synchronous HTTP/1.1-over-TLS client for tools, agents and load generators.
//
// Verifies the server chain and name (or authenticates with TLS-PSK), keeps its connection alive and reuses it,
// and resumes TLS sessions when it has to reconnect. One request at a time per client (calls are serialised);
// use one client per thread for concurrency.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "prose/net/http.h"
#include "prose/net/tls.h"
#include "prose/util/result.h"

namespace prose::net {

struct HttpsClientConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 443;
  TlsClientSettings tls;
  bool keep_alive = true;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds handshake_timeout{5000};
  std::chrono::milliseconds request_timeout{10000};  // write the request and read the whole response
  std::size_t max_response_header_bytes = 16 * 1024;
  std::size_t max_response_body_bytes = 1024 * 1024;
  std::string user_agent = "prose";
};

struct ClientStats {
  std::uint64_t connections_opened = 0;
  std::uint64_t sessions_resumed = 0;  // connections whose TLS session was resumed
  std::uint64_t requests = 0;
  std::uint64_t retries = 0;  // requests resent once because a reused connection had been closed
};

class HttpsClient {
 public:
  // Fails on a bad TLS setting (unreadable CA/cert/key file, key not matching the certificate, ...).
  static Result<std::unique_ptr<HttpsClient>> create(HttpsClientConfig config);
  ~HttpsClient();
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;

  // Errors: kTimeout, kIo (connect, TLS handshake incl. certificate problems, connection lost),
  // kMalformed (bad response), kInvalidArgument (bad method or target). A non-2xx status is not an error.
  Result<HttpResponse> request(const HttpRequest& req);
  Result<HttpResponse> post(std::string_view target, std::string_view content_type, std::string_view body);
  Result<HttpResponse> get(std::string_view target);

  // Closes the connection (TLS close_notify); the session stays cached for resumption.
  void close();
  // Also forgets the cached TLS session.
  void forget_session();

  // The connection used by the last successful request.
  TlsConnectionInfo last_connection() const;
  ClientStats stats() const;

 private:
  struct Impl;
  explicit HttpsClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace prose::net
