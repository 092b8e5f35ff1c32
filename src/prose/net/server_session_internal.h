// Internal to the net module: one connection of the HTTPS server on Boost.Beast. Its TLS handshake and close are in
// server_session.cpp, reading requests in server_requests.cpp, writing responses in server_responses.cpp: the
// translation units of the server that include Beast.
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include "prose/util/asio_config.h"  // the project's one Asio configuration

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "prose/net/http.h"
#include "prose/net/identity.h"
#include "prose/net/secret_string_body.h"
#include "prose/net/server_internal.h"

namespace prose::net::detail {

namespace beast = boost::beast;
namespace http = beast::http;

class HttpsSession final : public Connection, public std::enable_shared_from_this<HttpsSession> {
 public:
  // Made by Impl::admit (under m), which also admits it.
  HttpsSession(HttpsServer::Impl& srv, tcp::socket&& socket, const asio::ip::address& peer);
  ~HttpsSession() override;

  void run() override;
  void on_stop() override;
  void abort() override;
  asio::any_io_executor executor() override;

 private:
  // --- TLS (server_session.cpp) ---
  // Until the first octet arrives the connection holds no TLS state: an idle TCP connection costs a socket and
  // this object, not the ~70 KiB of an SSL object and the stream's record buffers.
  void wait_for_hello();
  void on_handshake(beast::error_code ec);
  // Counts and logs (rate-limited) a failed handshake, unless the server closed the connection itself (eviction,
  // stop); the socket closes with the session.
  void handshake_failed(beast::error_code ec, HandshakeFailure why, std::string detail = {});
  // Sends close_notify and waits (bounded) for the peer's. A peer that is not reading (idle keep-alive,
  // shutdown) is given only a short wait.
  void do_close();

  // --- HTTP requests (server_requests.cpp) ---
  void do_read_header();
  // Errors while reading a request: answer what deserves an answer, close otherwise.
  bool handle_read_error(beast::error_code ec);
  void log_bad_request(std::string_view what);
  void on_header(beast::error_code ec);
  void do_read_body();
  void on_read(beast::error_code ec);
  void send_error(int status, std::string_view reason);

  // --- HTTP responses (server_responses.cpp) ---
  // What follows a write: the request's body (after 100 Continue), the next request, or the close.
  enum class AfterWrite : std::uint8_t { kReadBody, kReadHeader, kClose };
  void send(HttpResponse resp, bool force_close);
  // Writes res_ (a response or 100 Continue), then goes on with `next`.
  void write(AfterWrite next);
  void on_write(beast::error_code ec, AfterWrite next);

  HttpsServer::Impl& srv_;
  asio::any_io_executor executor_;  // the connection's strand
  tcp::socket socket_;              // until the first octet arrives, then moved into stream_
  asio::steady_timer deadline_;     // handshake_timeout, from accept
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  // Being written. Every body goes out from a SecretString, wiped when res_ is reset after the write (a PC8 response
  // may carry a KD, PRUK or PMK in hex).
  std::optional<http::response<SecretStringBody>> res_;
  std::optional<PeerIdentity> peer_;
  bool authenticated_ = false;
  bool aborted_ = false;
  bool timed_out_ = false;
  bool idle_ = false;
  bool keep_alive_ = true;
  bool closing_ = false;
  unsigned served_ = 0;
};

}  // namespace prose::net::detail
