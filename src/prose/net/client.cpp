// The HTTPS client on Boost.Beast. One of the two translation units of the module that include Beast.
// Synchronous API on top of Beast's asynchronous operations (which carry the timeouts) on a private io_context.
#include "prose/net/client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include "prose/util/asio_config.h"  // the project's one Asio configuration

#include <mutex>
#include <optional>

#include "prose/net/tls_internal.h"

namespace prose::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

// Starts one asynchronous operation and runs the io_context until it completes.
template <class Start>
beast::error_code run_op(asio::io_context& ioc, Start start) {
  beast::error_code result = asio::error::would_block;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

Error net_error(std::string_view stage, const beast::error_code& ec) {
  if (ec == beast::error::timeout) return make_error(Errc::kTimeout, std::string(stage) + " timed out");
  return make_error(Errc::kIo, std::string(stage) + " failed: " + ec.message());
}

bool has_ctl(std::string_view s) {
  for (char c : s)
    if (c == '\r' || c == '\n' || c == '\0') return true;
  return false;
}

}  // namespace

struct HttpsClient::Impl {
  HttpsClientConfig cfg;
  asio::io_context ioc;
  ssl::context ctx;
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream;
  beast::flat_buffer buffer;
  TlsConnectionInfo conn_info;
  TlsConnectionInfo last;
  ClientStats st;
  mutable std::mutex m;

  Impl(HttpsClientConfig c, SSL_CTX* native) : cfg(std::move(c)), ioc(1), ctx(native) {}
  ~Impl() { close(true); }

  Status connect() {
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(cfg.host, std::to_string(cfg.port), ec);
    if (ec) return fail(Errc::kIo, "cannot resolve " + cfg.host + ": " + ec.message());
    stream.emplace(ioc, ctx);
    buffer.clear();
    if (auto s = detail::prepare_client_ssl(stream->native_handle(), cfg.host, cfg.tls); !s.ok()) {
      stream.reset();
      return s;
    }
    auto& tcp_stream = beast::get_lowest_layer(*stream);
    tcp_stream.expires_after(cfg.connect_timeout);
    ec = run_op(ioc, [&](auto h) { tcp_stream.async_connect(endpoints, std::move(h)); });
    if (ec) {
      stream.reset();
      return fail(net_error("connect to " + cfg.host + ":" + std::to_string(cfg.port), ec));
    }
    tcp_stream.socket().set_option(tcp::no_delay(true), ec);
    tcp_stream.expires_after(cfg.handshake_timeout);
    ec = run_op(ioc, [&](auto h) { stream->async_handshake(ssl::stream_base::client, std::move(h)); });
    if (ec) {
      stream.reset();
      return fail(net_error("TLS handshake", ec));
    }
    conn_info = detail::connection_info(stream->native_handle());
    ++st.connections_opened;
    if (conn_info.session_reused) ++st.sessions_resumed;
    return ok_status();
  }

  void close(bool graceful) {
    if (!stream) return;
    if (graceful) {
      beast::get_lowest_layer(*stream).expires_after(std::chrono::milliseconds(1000));
      run_op(ioc, [&](auto h) { stream->async_shutdown(std::move(h)); });
    }
    beast::error_code ignored;
    beast::get_lowest_layer(*stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(*stream).close();
    stream.reset();
    buffer.clear();
  }

  Result<HttpResponse> request(const HttpRequest& req) {
    http::verb verb = http::string_to_verb(req.method);
    if (verb == http::verb::unknown) return fail(Errc::kInvalidArgument, "unknown HTTP method '" + req.method + "'");
    if (req.target.empty() || req.target[0] != '/' || has_ctl(req.target) || req.target.find(' ') != std::string::npos)
      return fail(Errc::kInvalidArgument, "HTTP target must be a path starting with '/'");
    http::request<http::string_body> breq{verb, req.target, 11};
    breq.set(http::field::host, cfg.host + ":" + std::to_string(cfg.port));
    breq.set(http::field::user_agent, cfg.user_agent);
    if (!req.content_type.empty()) {
      if (has_ctl(req.content_type)) return fail(Errc::kInvalidArgument, "bad content type");
      breq.set(http::field::content_type, req.content_type);
    }
    for (const auto& [k, v] : req.headers) {
      if (k.empty() || has_ctl(k) || has_ctl(v) || k.find(':') != std::string::npos)
        return fail(Errc::kInvalidArgument, "bad header field '" + k + "'");
      breq.insert(k, v);
    }
    breq.body() = req.body;
    breq.keep_alive(cfg.keep_alive);
    breq.prepare_payload();

    for (int attempt = 0;; ++attempt) {
      bool reused = stream.has_value();
      if (!reused) PROSE_TRY_STATUS(connect());
      auto& tcp_stream = beast::get_lowest_layer(*stream);
      tcp_stream.expires_after(cfg.request_timeout);
      beast::error_code ec = run_op(ioc, [&](auto h) { http::async_write(*stream, breq, std::move(h)); });
      if (ec) {
        close(false);
        if (reused && attempt == 0 && ec != beast::error::timeout) {
          ++st.retries;
          continue;
        }
        return fail(net_error("sending the request", ec));
      }
      std::optional<http::response_parser<http::string_body>> parser;
      for (;;) {  // skip interim 1xx responses (e.g. 100 Continue)
        parser.emplace();
        parser->header_limit(
            static_cast<std::uint32_t>(std::min<std::size_t>(cfg.max_response_header_bytes, UINT32_MAX)));
        parser->body_limit(cfg.max_response_body_bytes);
        ec = run_op(ioc, [&](auto h) { http::async_read(*stream, buffer, *parser, std::move(h)); });
        if (ec) break;
        unsigned code = parser->get().result_int();
        if (code < 100 || code >= 200 || code == 101) break;
      }
      if (ec) {
        bool got_some = parser->got_some();
        close(false);
        if (reused && attempt == 0 && !got_some && ec != beast::error::timeout) {
          ++st.retries;
          continue;
        }
        if (ec == http::error::body_limit) return fail(Errc::kMalformed, "response body too large");
        if (ec == http::error::header_limit) return fail(Errc::kMalformed, "response header too large");
        if (ec.category() == beast::error_code(http::error::end_of_stream).category() &&
            ec != http::error::end_of_stream && ec != http::error::partial_message)
          return fail(Errc::kMalformed, "malformed HTTP response: " + ec.message());
        return fail(net_error("reading the response", ec));
      }
      auto bres = parser->release();
      HttpResponse out;
      out.status = static_cast<int>(bres.result_int());
      out.content_type = std::string(bres[http::field::content_type]);
      for (const auto& f : bres) {
        if (f.name() == http::field::content_type) continue;
        out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
      }
      out.body = std::move(bres.body());
      ++st.requests;
      last = conn_info;
      if (!cfg.keep_alive || !bres.keep_alive()) close(true);
      return out;
    }
  }
};

Result<std::unique_ptr<HttpsClient>> HttpsClient::create(HttpsClientConfig config) {
  if (config.port == 0) return fail(Errc::kInvalidArgument, "server port must not be 0");
  if (config.host.empty()) return fail(Errc::kInvalidArgument, "server host is empty");
  PROSE_TRY(SSL_CTX * native, detail::make_client_ctx(config.tls));
  return std::unique_ptr<HttpsClient>(new HttpsClient(std::make_unique<Impl>(std::move(config), native)));
}

HttpsClient::HttpsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpsClient::~HttpsClient() = default;

Result<HttpResponse> HttpsClient::request(const HttpRequest& req) {
  std::lock_guard lock(impl_->m);
  return impl_->request(req);
}

Result<HttpResponse> HttpsClient::post(std::string_view target, std::string_view content_type, std::string_view body) {
  HttpRequest r;
  r.method = "POST";
  r.target = std::string(target);
  r.content_type = std::string(content_type);
  r.body = std::string(body);
  return request(r);
}

Result<HttpResponse> HttpsClient::get(std::string_view target) {
  HttpRequest r;
  r.method = "GET";
  r.target = std::string(target);
  return request(r);
}

void HttpsClient::close() {
  std::lock_guard lock(impl_->m);
  impl_->close(true);
}

void HttpsClient::forget_session() {
  std::lock_guard lock(impl_->m);
  detail::clear_client_session(impl_->ctx.native_handle());
}

TlsConnectionInfo HttpsClient::last_connection() const {
  std::lock_guard lock(impl_->m);
  return impl_->last;
}

ClientStats HttpsClient::stats() const {
  std::lock_guard lock(impl_->m);
  return impl_->st;
}

}  // namespace prose::net
