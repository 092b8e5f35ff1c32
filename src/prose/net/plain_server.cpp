// The loopback plain-HTTP server on Boost.Beast (the third translation unit of the module that includes Beast).
#include "prose/net/plain_server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include "prose/util/asio_config.h"  // the project's one Asio configuration

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>
#include <thread>

namespace prose::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct LoopbackHttpServer::Impl {
  LoopbackHttpServerConfig cfg;
  Handler handler;
  std::atomic<std::size_t> active{0};  // declared before the io_context: queued sessions count down here
  bool started = false;
  asio::io_context ioc{1};
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> accept_retry;
  std::thread thread;

  Impl(LoopbackHttpServerConfig c, Handler h) : cfg(std::move(c)), handler(std::move(h)) {}
  void do_accept();
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(LoopbackHttpServer::Impl& srv, tcp::socket&& socket) : srv_(srv), stream_(std::move(socket)) {}
  ~Session() { --srv_.active; }

  void run() {
    parser_.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(srv_.cfg.max_header_bytes, UINT32_MAX)));
    parser_.body_limit(0);
    stream_.expires_after(srv_.cfg.timeout);
    http::async_read(stream_, buffer_, parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

 private:
  void on_read(beast::error_code ec) {
    if (ec == http::error::header_limit) return send(make_error_response(431, "request header fields too large"));
    if (ec == http::error::body_limit || ec == http::error::unexpected_body)
      return send(make_error_response(413, "no request body expected"));
    if (ec) {
      if (ec.category() == beast::error_code(http::error::end_of_stream).category() &&
          ec != http::error::end_of_stream && ec != http::error::partial_message)
        return send(make_error_response(400, "malformed HTTP request"));
      return close();
    }
    const auto& req = parser_.get();
    head_ = req.method() == http::verb::head;
    if (req.method() != http::verb::get && !head_) {
      HttpResponse r = make_error_response(405, "method not allowed");
      r.headers.emplace_back("Allow", "GET, HEAD");
      return send(std::move(r));
    }
    HttpRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    for (const auto& f : req) r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    try {
      send(srv_.handler(r));
    } catch (const std::exception&) {
      send(make_error_response(500, "internal error"));
    }
  }

  void send(HttpResponse resp) {
    res_.version(11);
    res_.result(static_cast<unsigned>(resp.status));
    res_.set(http::field::server, srv_.cfg.server_header);
    if (!resp.content_type.empty()) res_.set(http::field::content_type, resp.content_type);
    for (auto& [k, v] : resp.headers) res_.insert(k, v);
    res_.body() = std::move(resp.body);
    res_.keep_alive(false);
    res_.prepare_payload();  // Content-Length of the body, also for HEAD
    if (head_) res_.body().clear();
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code, std::size_t) { self->close(); });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  LoopbackHttpServer::Impl& srv_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request_parser<http::empty_body> parser_;
  http::response<http::string_body> res_;
  bool head_ = false;
};

bool is_loopback(const asio::ip::address& a) {
  return a.is_loopback() || (a.is_v6() && a.to_v6().is_v4_mapped() &&
                             asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).is_loopback());
}

}  // namespace

void LoopbackHttpServer::Impl::do_accept() {
  acceptor->async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (!acceptor->is_open()) return;
    if (ec) {  // e.g. EMFILE: retry shortly instead of spinning
      accept_retry->expires_after(std::chrono::milliseconds(50));
      accept_retry->async_wait([this](beast::error_code e) {
        if (!e && acceptor->is_open()) do_accept();
      });
      return;
    }
    if (active.load() < cfg.max_connections) {
      ++active;
      std::make_shared<Session>(*this, std::move(socket))->run();
    }  // else: the socket closes here
    do_accept();
  });
}

LoopbackHttpServer::LoopbackHttpServer(LoopbackHttpServerConfig config, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(handler))) {}

LoopbackHttpServer::~LoopbackHttpServer() { stop(); }

Result<std::uint16_t> LoopbackHttpServer::start() {
  Impl& s = *impl_;
  if (s.started) return fail(Errc::kState, "server already started");
  if (s.cfg.max_header_bytes == 0 || s.cfg.max_connections == 0)
    return fail(Errc::kInvalidArgument, "header limit and connection cap must be positive");
  beast::error_code ec;
  auto addr = asio::ip::make_address(s.cfg.bind_address, ec);
  if (ec) return fail(Errc::kInvalidArgument, "bad bind address '" + s.cfg.bind_address + "'");
  if (!is_loopback(addr))
    return fail(Errc::kInvalidArgument, "plain HTTP binds loopback addresses only, not " + s.cfg.bind_address);
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
  const std::uint16_t port = s.acceptor->local_endpoint().port();
  s.started = true;
  s.do_accept();
  s.thread = std::thread([&s] { s.ioc.run(); });
  return port;
}

void LoopbackHttpServer::stop() {
  Impl& s = *impl_;
  if (!s.thread.joinable()) return;
  asio::post(s.acceptor->get_executor(), [&s] {
    beast::error_code ignored;
    s.acceptor->close(ignored);
    s.accept_retry->cancel();
  });
  s.ioc.stop();
  s.thread.join();
}

Result<LoopbackEndpoint> parse_loopback_endpoint(std::string_view text) {
  const std::string what = "'" + std::string(text) + "'";
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size())
    return fail(Errc::kInvalidArgument, what + " is not HOST:PORT");
  std::string_view host = text.substr(0, colon);
  std::string_view port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned long p = 0;
  for (char c : port) {
    if (c < '0' || c > '9' || p > 65535) return fail(Errc::kInvalidArgument, what + ": port must be 0..65535");
    p = p * 10 + static_cast<unsigned long>(c - '0');
  }
  if (p > 65535) return fail(Errc::kInvalidArgument, what + ": port must be 0..65535");
  beast::error_code ec;
  auto addr = asio::ip::make_address(std::string(host), ec);
  if (ec) return fail(Errc::kInvalidArgument, what + ": HOST must be an IP address");
  if (!is_loopback(addr))
    return fail(Errc::kInvalidArgument,
                what +
                    ": must be a loopback address (plain HTTP is unauthenticated; scrape the HTTPS port with an "
                    "operator certificate from elsewhere)");
  return LoopbackEndpoint{std::string(host), static_cast<std::uint16_t>(p)};
}

}  // namespace prose::net
