// The HTTPS server's connections on Boost.Beast: reading requests (limits, 100-continue, read timeouts) and handing
// them to the handler. Writing responses: server_responses.cpp; the TLS side of a connection: server_session.cpp.
#include "prose/net/server_session_internal.h"

#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/read.hpp>
#include "prose/util/asio_config.h"  // the project's one Asio configuration

#include <algorithm>
#include <atomic>
#include <cstdint>

#include "prose/util/log.h"

namespace prose::net::detail {
namespace {

bool iequals(std::string_view a, std::string_view b) { return beast::iequals(a, b); }

// The peer's IP address as text; an IPv4-mapped IPv6 address (a dual-stack listener) as IPv4.
std::string address_text(asio::ip::address a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  return a.to_string();
}

}  // namespace

void HttpsSession::do_read_header() {
  if (srv_.stopping) return do_close();
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(srv_.cfg.max_header_bytes, UINT32_MAX)));
  parser_->body_limit(srv_.cfg.max_body_bytes);
  idle_ = true;
  if (buffer_.size() == 0) buffer_.shrink_to_fit();  // an idle keep-alive connection keeps no read buffer
  beast::get_lowest_layer(*stream_).expires_after(served_ == 0 ? srv_.cfg.read_timeout : srv_.cfg.idle_timeout);
  http::async_read_header(*stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
}

bool HttpsSession::handle_read_error(beast::error_code ec) {
  if (!ec) return false;
  if (ec == http::error::body_limit) {
    ++srv_.counters.http_413;
    send_error(413, "request body too large");
  } else if (ec == http::error::header_limit) {
    ++srv_.counters.http_431;
    send_error(431, "request header fields too large");
  } else if (ec.category() == beast::error_code(http::error::end_of_stream).category() &&
             ec != http::error::end_of_stream && ec != http::error::partial_message) {
    ++srv_.counters.http_400;
    send_error(400, "malformed HTTP request");
  } else {
    // A request begun and not finished in time, or none at all on a new connection; a keep-alive connection
    // that stays idle ends normally.
    if (ec == beast::error::timeout && ((parser_ && parser_->got_some()) || served_ == 0)) {
      ++srv_.counters.read_timeouts;
      log_bad_request("read timeout");
    }
    do_close();
  }
  return true;
}

void HttpsSession::log_bad_request(std::string_view what) {
  if (auto suppressed = srv_.request_log.allow()) {
    log::warn("https: {} from {} ({}); {} more bad requests not logged", what, peer_->to_string(),
              peer_addr.to_string(), *suppressed);
  }
}

void HttpsSession::on_header(beast::error_code ec) {
  if (!ec || parser_->got_some()) idle_ = false;
  if (handle_read_error(ec)) return;
  const auto& req = parser_->get();
  // RFC 9112 6.1: a request whose Transfer-Encoding does not end in chunked has no reliable length (Beast would
  // fall back to a Content-Length, which a proxy in front may read otherwise: smuggling). 400, then close.
  if (req.find(http::field::transfer_encoding) != req.end() && !parser_->chunked()) {
    ++srv_.counters.http_400;
    return send_error(400, "Transfer-Encoding must end in chunked");
  }
  auto expect = req[http::field::expect];
  beast::get_lowest_layer(*stream_).expires_after(srv_.cfg.read_timeout);
  if (!expect.empty() && iequals(expect, "100-continue") && !parser_->is_done()) {
    res_.emplace(http::status::continue_, 11);
    return write(AfterWrite::kReadBody);
  }
  do_read_body();
}

void HttpsSession::do_read_body() {
  http::async_read(*stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
}

void HttpsSession::on_read(beast::error_code ec) {
  if (handle_read_error(ec)) return;
  auto req = parser_->release();
  parser_.reset();
  ++served_;
  ++srv_.counters.requests;
  keep_alive_ = req.keep_alive();
  HttpRequest r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  r.content_type = std::string(req[http::field::content_type]);
  for (const auto& f : req) {
    if (f.name() == http::field::content_type) continue;
    r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  }
  r.body = std::move(req.body());
  r.remote_address = address_text(peer_addr);
  auto done = std::make_shared<std::atomic<bool>>(false);
  HttpsServer::Responder responder = [self = shared_from_this(), done](HttpResponse resp) {
    if (done->exchange(true)) return;  // exactly once
    asio::post(self->executor(), [self, resp = std::move(resp)]() mutable { self->send(std::move(resp), false); });
  };
  try {
    srv_.handler(*peer_, std::move(r), std::move(responder));
  } catch (const std::exception&) {
    if (!done->exchange(true)) send(make_error_response(500, "internal error"), false);
  }
}

void HttpsSession::send_error(int status, std::string_view reason) {
  log_bad_request(std::to_string(status) + " " + std::string(reason));
  send(make_error_response(status, reason), true);
}

}  // namespace prose::net::detail
