// The HTTPS server on Boost.Beast. One of the two translation units of the module that include Beast.
#include "prose/net/server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "prose/net/tls_internal.h"

namespace prose::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {
class Session;
}

struct HttpsServer::Impl {
  HttpsServerConfig cfg;
  AsyncHandler handler;

  // Declared before the io_context: sessions still queued in it deregister here when it is destroyed.
  std::mutex m;
  std::condition_variable cv;
  std::map<Session*, std::weak_ptr<Session>> sessions;
  std::atomic<bool> started{false};
  std::atomic<bool> stopping{false};
  bool stopped = false;
  std::atomic<std::uint64_t> accepted{0}, rejected{0}, hs_failed{0}, resumed{0}, requests{0}, bad{0};

  std::optional<ssl::context> ssl_ctx;  // outlives the io_context and the sessions queued in it
  asio::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> accept_retry;
  std::vector<std::thread> threads;

  Impl(HttpsServerConfig c, AsyncHandler h) : cfg(std::move(c)), handler(std::move(h)), ioc(std::max(1, cfg.threads)) {}

  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
};

namespace {

bool iequals(std::string_view a, std::string_view b) { return beast::iequals(a, b); }

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(HttpsServer::Impl& srv, tcp::socket&& socket) : srv_(srv), stream_(std::move(socket), *srv.ssl_ctx) {}

  ~Session() {
    std::lock_guard lock(srv_.m);
    srv_.sessions.erase(this);
    srv_.cv.notify_all();
  }

  void run() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_handshake(); });
  }

  // On the session's strand, when the server stops: an idle keep-alive connection is closed now.
  void on_stop() {
    if (idle_) beast::get_lowest_layer(stream_).cancel();
  }

  asio::any_io_executor executor() { return stream_.get_executor(); }

 private:
  void do_handshake() {
    beast::get_lowest_layer(stream_).expires_after(srv_.cfg.handshake_timeout);
    stream_.async_handshake(ssl::stream_base::server,
                            [self = shared_from_this()](beast::error_code ec) { self->on_handshake(ec); });
  }

  void on_handshake(beast::error_code ec) {
    if (ec) {
      ++srv_.hs_failed;
      return;  // socket closes with the session
    }
    auto id = detail::peer_identity(stream_.native_handle());
    if (!id.ok()) {
      ++srv_.hs_failed;
      return;
    }
    peer_.emplace(std::move(id).value());
    if (SSL_session_reused(stream_.native_handle()) == 1) ++srv_.resumed;
    do_read_header();
  }

  void do_read_header() {
    if (srv_.stopping) return do_close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(srv_.cfg.max_header_bytes, UINT32_MAX)));
    parser_->body_limit(srv_.cfg.max_body_bytes);
    idle_ = true;
    beast::get_lowest_layer(stream_).expires_after(served_ == 0 ? srv_.cfg.read_timeout : srv_.cfg.idle_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  // Errors while reading a request: answer what deserves an answer, close otherwise.
  bool handle_read_error(beast::error_code ec) {
    if (!ec) return false;
    if (ec == http::error::body_limit) {
      ++srv_.bad;
      send_error(413, "request body too large");
    } else if (ec == http::error::header_limit) {
      ++srv_.bad;
      send_error(431, "request header fields too large");
    } else if (ec.category() == beast::error_code(http::error::end_of_stream).category() &&
               ec != http::error::end_of_stream && ec != http::error::partial_message) {
      ++srv_.bad;
      send_error(400, "malformed HTTP request");
    } else {
      if (ec == beast::error::timeout && parser_ && parser_->got_some()) ++srv_.bad;
      do_close();
    }
    return true;
  }

  void on_header(beast::error_code ec) {
    if (!ec || parser_->got_some()) idle_ = false;
    if (handle_read_error(ec)) return;
    const auto& req = parser_->get();
    auto expect = req[http::field::expect];
    beast::get_lowest_layer(stream_).expires_after(srv_.cfg.read_timeout);
    if (!expect.empty() && iequals(expect, "100-continue") && !parser_->is_done()) {
      continue_.emplace(http::status::continue_, 11);
      http::async_write(stream_, *continue_, [self = shared_from_this()](beast::error_code ec2, std::size_t) {
        if (ec2) return self->do_close();
        self->do_read_body();
      });
      return;
    }
    do_read_body();
  }

  void do_read_body() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (handle_read_error(ec)) return;
    auto req = parser_->release();
    ++served_;
    ++srv_.requests;
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

  void send_error(int status, std::string_view reason) { send(make_error_response(status, reason), true); }

  void send(HttpResponse resp, bool force_close) {
    bool close = force_close || !keep_alive_ || srv_.stopping ||
                 (srv_.cfg.max_requests_per_connection != 0 && served_ >= srv_.cfg.max_requests_per_connection);
    res_.emplace();
    res_->version(11);
    res_->result(static_cast<unsigned>(resp.status));
    res_->set(http::field::server, srv_.cfg.server_header);
    if (!resp.content_type.empty()) res_->set(http::field::content_type, resp.content_type);
    for (auto& [k, v] : resp.headers) res_->insert(k, v);
    res_->body() = std::move(resp.body);
    res_->keep_alive(!close);
    res_->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(srv_.cfg.write_timeout);
    http::async_write(stream_, *res_, [self = shared_from_this(), close](beast::error_code ec, std::size_t) {
      if (ec || close) return self->do_close();
      self->do_read_header();
    });
  }

  // Sends close_notify and waits (bounded) for the peer's. A peer that is not reading (idle keep-alive,
  // shutdown) is given only a short wait.
  void do_close() {
    if (closing_) return;
    closing_ = true;
    auto wait = (srv_.stopping || idle_) ? std::chrono::milliseconds(200) : std::chrono::milliseconds(2000);
    beast::get_lowest_layer(stream_).expires_after(std::min<std::chrono::milliseconds>(srv_.cfg.write_timeout, wait));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {
      beast::error_code ignored;
      beast::get_lowest_layer(self->stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
      beast::get_lowest_layer(self->stream_).close();
    });
  }

  HttpsServer::Impl& srv_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  std::optional<http::response<http::string_body>> res_;
  std::optional<PeerIdentity> peer_;
  bool idle_ = false;
  bool keep_alive_ = true;
  bool closing_ = false;
  unsigned served_ = 0;
};

}  // namespace

void HttpsServer::Impl::do_accept() {
  acceptor->async_accept(asio::make_strand(ioc),
                         [this](beast::error_code ec, tcp::socket socket) { on_accept(ec, std::move(socket)); });
}

void HttpsServer::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (stopping || !acceptor->is_open()) return;
  if (ec) {
    // e.g. EMFILE: retry shortly instead of spinning.
    accept_retry->expires_after(std::chrono::milliseconds(50));
    accept_retry->async_wait([this](beast::error_code e) {
      if (!e && !stopping) do_accept();
    });
    return;
  }
  // Responses go out as soon as they are written: without this, Nagle's algorithm holds a response's second
  // segment until the client's delayed ACK (about 40 ms on Linux).
  beast::error_code nodelay_ec;
  socket.set_option(tcp::no_delay(true), nodelay_ec);
  std::shared_ptr<Session> s;
  {
    std::lock_guard lock(m);
    if (sessions.size() >= cfg.max_connections) {
      ++rejected;
    } else {
      ++accepted;
      s = std::make_shared<Session>(*this, std::move(socket));
      sessions.emplace(s.get(), s);
    }
  }
  if (s) s->run();
  do_accept();
}

HttpsServer::HttpsServer(HttpsServerConfig config, Handler handler)
    : impl_(std::make_shared<Impl>(
          std::move(config),
          [h = std::move(handler)](const PeerIdentity& p, HttpRequest r, Responder respond) { respond(h(p, r)); })) {}

HttpsServer::HttpsServer(HttpsServerConfig config, AsyncHandler handler)
    : impl_(std::make_shared<Impl>(std::move(config), std::move(handler))) {}

HttpsServer::~HttpsServer() { stop(); }

Result<std::uint16_t> HttpsServer::start() {
  Impl& s = *impl_;
  if (s.started.exchange(true)) return fail(Errc::kState, "server already started");
  if (s.cfg.threads < 1) return fail(Errc::kInvalidArgument, "threads must be at least 1");
  if (s.cfg.max_body_bytes == 0 || s.cfg.max_header_bytes == 0)
    return fail(Errc::kInvalidArgument, "header and body limits must be positive");
  PROSE_TRY(SSL_CTX * native, detail::make_server_ctx(s.cfg.tls));
  s.ssl_ctx.emplace(native);
  beast::error_code ec;
  auto addr = asio::ip::make_address(s.cfg.bind_address, ec);
  if (ec) return fail(Errc::kInvalidArgument, "bad bind address '" + s.cfg.bind_address + "'");
  tcp::endpoint ep(addr, s.cfg.port);
  s.acceptor.emplace(asio::make_strand(s.ioc));
  s.accept_retry.emplace(s.acceptor->get_executor());
  if (s.acceptor->open(ep.protocol(), ec); ec) return fail(Errc::kIo, "socket: " + ec.message());
  s.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (s.acceptor->bind(ep, ec); ec)
    return fail(Errc::kIo,
                "cannot bind " + s.cfg.bind_address + ":" + std::to_string(s.cfg.port) + ": " + ec.message());
  if (s.acceptor->listen(asio::socket_base::max_listen_connections, ec); ec)
    return fail(Errc::kIo, "listen: " + ec.message());
  std::uint16_t port = s.acceptor->local_endpoint().port();
  s.do_accept();
  for (int i = 0; i < s.cfg.threads; ++i) s.threads.emplace_back([&s] { s.ioc.run(); });
  return port;
}

bool HttpsServer::stop() {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.m);
    if (!s.started || s.stopped) return true;
    s.stopped = true;
    if (s.threads.empty()) return true;  // start() failed before anything ran
  }
  s.stopping = true;
  asio::post(s.acceptor->get_executor(), [&s] {
    beast::error_code ignored;
    s.acceptor->close(ignored);
    s.accept_retry->cancel();
  });
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(s.m);
    for (auto& [p, w] : s.sessions)
      if (auto sp = w.lock()) live.push_back(std::move(sp));
  }
  for (auto& sp : live) asio::post(sp->executor(), [sp] { sp->on_stop(); });
  live.clear();
  bool clean;
  {
    std::unique_lock lock(s.m);
    clean = s.cv.wait_for(lock, s.cfg.shutdown_timeout, [&s] { return s.sessions.empty(); });
  }
  s.ioc.stop();
  for (auto& t : s.threads)
    if (t.joinable()) t.join();
  return clean;
}

Result<CrlInfo> HttpsServer::reload_crl() {
  Impl& s = *impl_;
  if (!s.ssl_ctx) return fail(Errc::kState, "the server is not started");
  return detail::reload_client_crl(s.ssl_ctx->native_handle(), s.cfg.tls.crl_file);
}

ServerStats HttpsServer::stats() const {
  const Impl& s = *impl_;
  ServerStats st;
  st.connections_accepted = s.accepted;
  st.connections_rejected = s.rejected;
  st.handshakes_failed = s.hs_failed;
  st.sessions_resumed = s.resumed;
  st.requests = s.requests;
  st.bad_requests = s.bad;
  {
    std::lock_guard lock(const_cast<Impl&>(s).m);
    st.active_connections = s.sessions.size();
  }
  return st;
}

}  // namespace prose::net
