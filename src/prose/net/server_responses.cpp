// The HTTPS server's connections on Boost.Beast: writing responses, and the interim 100 Continue, all through one
// call of http::async_write (each call instantiates Beast's write operation over TLS anew: the costliest code of the
// server to compile). Reading requests: server_requests.cpp.
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/write.hpp>
#include "prose/util/asio_config.h"  // the project's one Asio configuration

#include "prose/net/server_session_internal.h"

namespace prose::net::detail {

void HttpsSession::send(HttpResponse resp, bool force_close) {
  bool close = force_close || !keep_alive_ || srv_.stopping ||
               (srv_.cfg.max_requests_per_connection != 0 && served_ >= srv_.cfg.max_requests_per_connection);
  res_.emplace();
  res_->version(11);
  res_->result(static_cast<unsigned>(resp.status));
  res_->set(http::field::server, srv_.cfg.server_header);
  if (!resp.content_type.empty()) res_->set(http::field::content_type, resp.content_type);
  for (auto& [k, v] : resp.headers) res_->insert(k, v);
  // A secret body moves in as it is; any other is copied in and its string wiped (one body type, one async_write).
  res_->body() = resp.secret_body.empty() ? SecretString::adopt(resp.body) : std::move(resp.secret_body);
  res_->keep_alive(!close);
  res_->prepare_payload();
  beast::get_lowest_layer(*stream_).expires_after(srv_.cfg.write_timeout);
  write(close ? AfterWrite::kClose : AfterWrite::kReadHeader);
}

void HttpsSession::write(AfterWrite next) {
  http::async_write(*stream_, *res_,
                    [self = shared_from_this(), next](beast::error_code ec, std::size_t) { self->on_write(ec, next); });
}

void HttpsSession::on_write(beast::error_code ec, AfterWrite next) {
  res_.reset();  // wipes the body just written
  if (ec || next == AfterWrite::kClose) return do_close();
  if (next == AfterWrite::kReadBody) return do_read_body();
  do_read_header();
}

}  // namespace prose::net::detail
