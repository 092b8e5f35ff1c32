// The HTTPS server's connections on Boost.Beast: their life from accept to close, the TLS handshake and the TLS
// shutdown. Reading requests: server_requests.cpp; writing responses: server_responses.cpp.
#include "prose/net/server_session_internal.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include "prose/util/asio_config.h"  // the project's one Asio configuration

#include <algorithm>
#include <chrono>

#include "prose/net/tls_internal.h"
#include "prose/util/log.h"

namespace prose::net::detail {

HttpsSession::HttpsSession(HttpsServer::Impl& srv, tcp::socket&& socket, const asio::ip::address& peer)
    : Connection(peer), srv_(srv), executor_(socket.get_executor()), socket_(std::move(socket)), deadline_(executor_) {}

HttpsSession::~HttpsSession() {
  std::lock_guard lock(srv_.m);
  srv_.sessions.erase(this);
  srv_.admission.ended(*this);
  ++srv_.counters.ended;
  srv_.cv.notify_all();
}

void HttpsSession::run() {
  asio::dispatch(executor_, [self = shared_from_this()] { self->wait_for_hello(); });
}

void HttpsSession::on_stop() {
  if (!authenticated_) return abort();
  if (idle_) beast::get_lowest_layer(*stream_).cancel();
}

void HttpsSession::abort() {
  if (authenticated_) return;
  aborted_ = true;
  deadline_.cancel();
  beast::error_code ignored;
  if (stream_) {
    beast::get_lowest_layer(*stream_).close();
  } else {
    socket_.close(ignored);
  }
}

asio::any_io_executor HttpsSession::executor() { return executor_; }

void HttpsSession::wait_for_hello() {
  deadline_.expires_after(srv_.cfg.handshake_timeout);
  deadline_.async_wait([w = weak_from_this()](beast::error_code ec) {
    if (auto self = w.lock(); self && !ec) {
      self->timed_out_ = true;
      self->abort();
    }
  });
  socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
    if (ec || self->aborted_) return self->handshake_failed(ec, HandshakeFailure::kClosed);
    self->stream_.emplace(std::move(self->socket_), *self->srv_.ssl_ctx);
    self->stream_->async_handshake(ssl::stream_base::server,
                                   [self](beast::error_code ec2) { self->on_handshake(ec2); });
  });
}

void HttpsSession::on_handshake(beast::error_code ec) {
  if (ec) {
    HandshakeFailure why = HandshakeFailure::kClosed;
    if (ec.category() == asio::error::get_ssl_category())
      why = classify_handshake_failure(stream_->native_handle(), static_cast<unsigned long>(ec.value()));
    return handshake_failed(ec, why);
  }
  auto id = peer_identity(stream_->native_handle());
  if (!id.ok()) return handshake_failed(ec, HandshakeFailure::kBadCertificate, id.error().message);
  {
    std::lock_guard lock(srv_.m);
    if (!srv_.admission.established(*this)) return;  // closed by the eviction posted to this strand
  }
  deadline_.cancel();
  authenticated_ = true;
  peer_.emplace(std::move(id).value());
  if (SSL_session_reused(stream_->native_handle()) == 1) ++srv_.counters.resumed;
  do_read_header();
}

void HttpsSession::handshake_failed(beast::error_code ec, HandshakeFailure why, std::string detail) {
  deadline_.cancel();
  if (timed_out_) {
    why = HandshakeFailure::kTimeout;
    detail = "not finished " + std::to_string(srv_.cfg.handshake_timeout.count()) + " ms after accept";
  }
  if (srv_.stopping || (aborted_ && !timed_out_)) return;
  {
    std::lock_guard lock(srv_.m);
    if (!srv_.admission.failed(*this)) return;
  }
  // Logged, then counted: whoever sees the count (a test, /metrics) also finds the log line and the pending
  // handshake gone.
  if (auto suppressed = srv_.handshake_log.allow()) {
    log::warn("https: TLS handshake from {} failed: {} ({}); {} more failed handshakes not logged",
              peer_addr.to_string(), handshake_failure_name(why), detail.empty() ? ec.message() : detail, *suppressed);
  }
  ++srv_.counters.hs_failed[static_cast<std::size_t>(why)];
}

void HttpsSession::do_close() {
  if (closing_) return;
  closing_ = true;
  auto wait = (srv_.stopping || idle_) ? std::chrono::milliseconds(200) : std::chrono::milliseconds(2000);
  beast::get_lowest_layer(*stream_).expires_after(std::min<std::chrono::milliseconds>(srv_.cfg.write_timeout, wait));
  stream_->async_shutdown([self = shared_from_this()](beast::error_code) {
    beast::error_code ignored;
    beast::get_lowest_layer(*self->stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(*self->stream_).close();
  });
}

std::shared_ptr<Connection> make_session(HttpsServer::Impl& srv, tcp::socket&& socket, const asio::ip::address& peer) {
  return std::make_shared<HttpsSession>(srv, std::move(socket), peer);
}

}  // namespace prose::net::detail
