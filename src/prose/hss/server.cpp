#include "prose/hss/server.h"

#include <array>
#include <boost/asio.hpp>
#include <csignal>
#include <set>

namespace prose::hss {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, HssService& service, const DiameterServer::LogFn& log,
             std::set<std::shared_ptr<Connection>>& live)
      : socket_(std::move(socket)), session_(service), log_(log), live_(live) {
    boost::system::error_code ec;
    auto ep = socket_.remote_endpoint(ec);
    peer_ = ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
  }
  void start() { read(); }
  void close() {
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

 private:
  void read() {
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(buf_), [this, self](boost::system::error_code ec, std::size_t n) {
      if (ec) {
        if (ec != asio::error::eof && ec != asio::error::operation_aborted) log("read error: " + ec.message());
        finish();
        return;
      }
      auto out = session_.on_bytes(ByteView(buf_.data(), n));
      for (const auto& line : out.log) log(line);
      if (!out.to_send.empty()) {
        auto data = std::make_shared<Bytes>(std::move(out.to_send));
        asio::async_write(socket_, asio::buffer(*data),
                          [this, self, data, close = out.close](boost::system::error_code wec, std::size_t) {
                            if (wec || close) {
                              if (wec) log("write error: " + wec.message());
                              finish();
                              return;
                            }
                            read();
                          });
        return;
      }
      if (out.close) {
        finish();
        return;
      }
      read();
    });
  }
  void finish() {
    close();
    live_.erase(shared_from_this());
  }
  void log(const std::string& line) {
    if (log_) log_("[" + peer_ + "] " + line);
  }

  tcp::socket socket_;
  PeerSession session_;
  const DiameterServer::LogFn& log_;
  std::set<std::shared_ptr<Connection>>& live_;
  std::array<std::uint8_t, 16384> buf_{};
  std::string peer_;
};

}  // namespace

struct DiameterServer::Impl {
  Impl(HssService& s, LogFn l) : service(s), log(std::move(l)), acceptor(io), signals(io) {}
  HssService& service;
  LogFn log;
  asio::io_context io;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  std::set<std::shared_ptr<Connection>> live;

  void accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == asio::error::operation_aborted) return;
        if (log) log("accept error: " + ec.message());
      } else {
        socket.set_option(tcp::no_delay(true));
        auto c = std::make_shared<Connection>(std::move(socket), service, log, live);
        live.insert(c);
        c->start();
      }
      accept();
    });
  }
  void shutdown() {
    boost::system::error_code ec;
    acceptor.close(ec);
    signals.cancel(ec);
    auto copy = live;
    for (auto& c : copy) c->close();
  }
};

DiameterServer::DiameterServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DiameterServer::~DiameterServer() = default;

Result<std::unique_ptr<DiameterServer>> DiameterServer::create(HssService& service, const std::string& address,
                                                               std::uint16_t port, LogFn log) {
  auto impl = std::make_unique<Impl>(service, std::move(log));
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(address, ec);
  if (ec) return fail(Errc::kInvalidArgument, "listen address '" + address + "': " + ec.message());
  tcp::endpoint ep(addr, port);
  impl->acceptor.open(ep.protocol(), ec);
  if (!ec) impl->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(ep, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail(Errc::kIo, "cannot listen on " + address + ":" + std::to_string(port) + ": " + ec.message());
  impl->accept();
  return std::unique_ptr<DiameterServer>(new DiameterServer(std::move(impl)));
}

std::uint16_t DiameterServer::port() const {
  boost::system::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void DiameterServer::run() { impl_->io.run(); }

void DiameterServer::stop() {
  asio::post(impl_->io, [this] { impl_->shutdown(); });
}

void DiameterServer::stop_on_signals() {
  impl_->signals.add(SIGINT);
  impl_->signals.add(SIGTERM);
  impl_->signals.async_wait([this](boost::system::error_code ec, int sig) {
    if (ec) return;
    if (impl_->log) impl_->log(std::string("received ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ", stopping");
    impl_->shutdown();
  });
}

}  // namespace prose::hss
