// HttpsServer: HTTP/1.1 over TLS (mutual TLS or TLS-PSK) on an io_context thread pool.
//
// The handler receives the PeerIdentity bound to the TLS keys of the connection (client certificate or PSK
// identity) and the request; it never has to, and must not, trust an identity written in the body.
// Limits: header and body sizes (431 / 413), handshake/read/write timeouts, idle keep-alive timeout, and admission
// control (docs/net.md "Admission"): a connection cap, a smaller budget for connections still in the TLS handshake,
// per-source-address caps. stop() stops accepting, lets in-flight requests finish (their responses carry
// "Connection: close"), closes idle keep-alive connections and unfinished handshakes, and waits at most
// shutdown_timeout.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

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
  // Admission. A connection is pending from accept until its TLS handshake has authenticated the peer. A source is
  // an IPv4 address or the /64 prefix of an IPv6 address. Over a per-source cap, or over max_connections with no
  // pending connection, a new connection is closed right after accept; at max_pending_handshakes (or at
  // max_connections) the oldest pending connection of the source with the most pending connections is closed to
  // admit the new one. The pending caps are clamped to max_connections, and max_connections to what the descriptor
  // limit allows (start() raises the soft RLIMIT_NOFILE to the hard one).
  std::size_t max_connections = 10000;
  std::size_t max_pending_handshakes = 1000;
  std::size_t max_pending_per_source = 256;
  std::size_t max_connections_per_source = 2000;
  unsigned max_requests_per_connection = 0;           // 0 = unlimited
  std::chrono::milliseconds handshake_timeout{3000};  // from accept to the end of the TLS handshake
  std::chrono::milliseconds read_timeout{10000};      // from the first byte of a request to its last
  std::chrono::milliseconds write_timeout{10000};
  std::chrono::milliseconds idle_timeout{30000};  // keep-alive: waiting for the next request
  std::chrono::milliseconds shutdown_timeout{5000};
  std::string server_header = "prose";
};

// Why admission control closed a connection (the names are the HttpsServerConfig fields).
enum class RefusalCause : std::uint8_t {
  kMaxConnections,
  kMaxPendingHandshakes,
  kMaxPendingPerSource,
  kMaxConnectionsPerSource,
  kCount
};
std::string_view refusal_cause_name(RefusalCause c);  // "max_connections", ...

// Why a TLS handshake (or the identity check right after it) failed.
enum class HandshakeFailure : std::uint8_t {
  kNoCertificate,   // the client sent no certificate
  kExpired,         // its certificate has expired
  kUnknownCa,       // it does not chain to the configured CA (a foreign or self-signed certificate)
  kRevoked,         // it is revoked
  kBadCertificate,  // any other certificate fault (e.g. no ProSe identity, not yet valid, bad signature)
  kTimeout,         // handshake_timeout passed
  kClosed,          // the peer closed or reset the connection first
  kProtocol,        // any other TLS error (not TLS, no common version or cipher, an alert from the client)
  kCount
};
std::string_view handshake_failure_name(HandshakeFailure f);  // "no_certificate", "expired", ...

inline constexpr std::size_t kRefusalCauses = static_cast<std::size_t>(RefusalCause::kCount);
inline constexpr std::size_t kHandshakeFailures = static_cast<std::size_t>(HandshakeFailure::kCount);

struct ServerStats {
  std::uint64_t connections_accepted = 0;  // admitted after accept
  std::uint64_t connections_rejected = 0;  // closed by admission control (sum of `refused`)
  std::array<std::uint64_t, kRefusalCauses> refused{};
  std::uint64_t handshakes_failed = 0;  // sum of `handshake_failures`
  std::array<std::uint64_t, kHandshakeFailures> handshake_failures{};
  std::uint64_t sessions_resumed = 0;
  std::uint64_t requests = 0;
  std::uint64_t bad_requests = 0;   // sum of the four below
  std::uint64_t http_400 = 0;       // malformed HTTP
  std::uint64_t http_413 = 0;       // body over max_body_bytes
  std::uint64_t http_431 = 0;       // header over max_header_bytes
  std::uint64_t read_timeouts = 0;  // a request not complete within read_timeout
  std::uint64_t active_connections = 0;
  std::uint64_t pending_handshakes = 0;  // of active_connections
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
