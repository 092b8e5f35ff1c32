#include "prose/hss/server.h"

#include <array>
#include <boost/asio.hpp>
#include <chrono>
#include <csignal>
#include <deque>
#include <set>
#include "prose/diameter/time.h"
#include "prose/util/asio_config.h"  // the project's one Asio configuration

namespace prose::hss {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
namespace d = prose::diameter;

namespace {

// How long stop() waits for each peer's DPA before it closes the connection anyway.
constexpr std::chrono::seconds kDisconnectGrace{2};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, HssService& service, const DiameterServer::LogFn& log,
             std::set<std::shared_ptr<Connection>>& live)
      : socket_(std::move(socket)),
        session_(service, local_address(socket_)),
        tw_(service.config().watchdog_interval_s),
        log_(log),
        live_(live),
        timer_(socket_.get_executor()) {
    boost::system::error_code ec;
    auto ep = socket_.remote_endpoint(ec);
    peer_ = ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
  }
  void start() {
    read();
    arm_watchdog();
  }
  // Orderly shutdown (RFC 6733 5.4): DPR on an open connection, close on its DPA or after a grace period.
  void disconnect() {
    Bytes dpr = session_.make_dpr(d::kDisconnectRebooting);
    if (dpr.empty()) {
      finish();
      return;
    }
    log("sending DPR to " + session_.peer_host());
    stopping_ = true;
    send(std::move(dpr));
    timer_.expires_after(kDisconnectGrace);
    timer_.async_wait([this, self = shared_from_this()](boost::system::error_code ec) {
      if (ec) return;
      log("no DPA from " + session_.peer_host() + ", closing");
      finish();
    });
  }

 private:
  static std::string local_address(const tcp::socket& s) {
    boost::system::error_code ec;
    auto ep = s.local_endpoint(ec);
    return ec ? std::string() : ep.address().to_string();
  }
  // RFC 3539 3.4: after Tw without traffic send a DWR; after another Tw still without any traffic the peer has
  // failed and the connection is closed.
  void arm_watchdog() {
    if (stopping_ || closed_) return;
    timer_.expires_after(d::watchdog_delay(tw_));
    timer_.async_wait([this, self = shared_from_this()](boost::system::error_code ec) {
      if (ec || stopping_ || closed_) return;
      if (dwr_outstanding_) {
        log("watchdog: no answer from " + session_.peer_host() + " within Tw, closing");
        finish();
        return;
      }
      Bytes dwr = session_.make_dwr();
      if (!dwr.empty()) {
        dwr_outstanding_ = true;
        send(std::move(dwr));
      }
      arm_watchdog();
    });
  }
  void read() {
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(buf_), [this, self](boost::system::error_code ec, std::size_t n) {
      if (ec) {
        if (ec != asio::error::eof && ec != asio::error::operation_aborted) log("read error: " + ec.message());
        finish();
        return;
      }
      dwr_outstanding_ = false;  // any traffic shows the peer is alive (RFC 3539 3.4.1)
      if (!stopping_) arm_watchdog();
      auto out = session_.on_bytes(ByteView(buf_.data(), n));
      for (const auto& line : out.log) log(line);
      if (out.close) close_after_write_ = true;
      if (!out.to_send.empty()) {
        send(std::move(out.to_send));
      } else if (close_after_write_ && !writing_) {
        finish();
        return;
      }
      if (!closed_) read();
    });
  }
  void send(Bytes data) {
    outbox_.push_back(std::move(data));
    if (!writing_) write_next();
  }
  void write_next() {
    if (outbox_.empty()) {
      writing_ = false;
      if (close_after_write_) finish();
      return;
    }
    writing_ = true;
    asio::async_write(socket_, asio::buffer(outbox_.front()),
                      [this, self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        if (ec) {
                          if (ec != asio::error::operation_aborted) log("write error: " + ec.message());
                          finish();
                          return;
                        }
                        outbox_.pop_front();
                        write_next();
                      });
  }
  void finish() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ec;
    timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    live_.erase(shared_from_this());
  }
  void log(const std::string& line) {
    if (log_) log_("[" + peer_ + "] " + line);
  }

  tcp::socket socket_;
  PeerSession session_;
  std::chrono::seconds tw_;
  const DiameterServer::LogFn& log_;
  std::set<std::shared_ptr<Connection>>& live_;
  asio::steady_timer timer_;
  std::array<std::uint8_t, 16384> buf_{};
  std::deque<Bytes> outbox_;
  bool writing_ = false;
  bool close_after_write_ = false;
  bool closed_ = false;
  bool stopping_ = false;
  bool dwr_outstanding_ = false;
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
  // Stops accepting and disconnects every peer with DPR/DPA; io.run() returns once all connections are gone.
  void shutdown() {
    boost::system::error_code ec;
    acceptor.close(ec);
    signals.cancel(ec);
    auto copy = live;
    for (auto& c : copy) c->disconnect();
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
