// A scripted Diameter peer on loopback for client tests: answers CER, DWR and DPR itself (2001), hands every other
// request to a handler that returns its answer (or none: a lost answer), records everything it receives, and can
// send the client a request of its own (DWR, DPR) at any time.
#pragma once

#include <array>
#include <boost/asio.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>
#include "prose/util/asio_config.h"  // the project's one Asio configuration

#include "prose/diameter/message.h"

namespace prose::testing {

class FakeDiameterPeer {
 public:
  using Handler = std::function<std::optional<diameter::Message>(const diameter::Message& req)>;
  explicit FakeDiameterPeer(Handler handler = {}, const char* address = "127.0.0.1")
      : handler_(std::move(handler)), acceptor_(io_) {
    namespace asio = boost::asio;
    asio::ip::tcp::endpoint ep(asio::ip::make_address(address), 0);
    acceptor_.open(ep.protocol());
    acceptor_.bind(ep);
    acceptor_.listen();
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~FakeDiameterPeer() {
    boost::asio::post(io_, [this] {
      boost::system::error_code ec;
      acceptor_.close(ec);
      if (socket_) socket_->close(ec);
    });
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  // Every message received so far, in order.
  std::vector<diameter::Message> received() const {
    std::lock_guard lock(mu_);
    return received_;
  }
  // Waits until a received message satisfies `pred`.
  std::optional<diameter::Message> wait_for(const std::function<bool(const diameter::Message&)>& pred,
                                            std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    std::optional<diameter::Message> found;
    cv_.wait_for(lock, timeout, [&] {
      for (const auto& m : received_) {
        if (pred(m)) {
          found = m;
          return true;
        }
      }
      return false;
    });
    return found;
  }
  void send(const diameter::Message& m) {
    auto raw = std::make_shared<Bytes>(*diameter::encode(m));
    boost::asio::post(io_, [this, raw] {
      boost::system::error_code ec;
      if (socket_) boost::asio::write(*socket_, boost::asio::buffer(*raw), ec);
    });
  }
  // A request from this peer with its Origin-Host/Origin-Realm.
  static diameter::Message request(std::uint32_t command, std::uint32_t hbh) {
    diameter::Message m;
    m.flags = diameter::kFlagRequest;
    m.command_code = command;
    m.hop_by_hop = hbh;
    m.end_to_end = hbh;
    m.avps = {diameter::make_str(diameter::avp::kOriginHost, "fake.peer.lab"),
              diameter::make_str(diameter::avp::kOriginRealm, "peer.lab")};
    return m;
  }
  static diameter::Message answer(const diameter::Message& req, std::uint32_t result) {
    diameter::Message a;
    a.flags = req.flags & diameter::kFlagProxiable;
    if (result >= 3000 && result < 4000) a.flags |= diameter::kFlagError;
    a.command_code = req.command_code;
    a.application_id = req.application_id;
    a.hop_by_hop = req.hop_by_hop;
    a.end_to_end = req.end_to_end;
    if (const auto* sid = diameter::find(req.avps, diameter::avp::kSessionId)) a.avps.push_back(*sid);
    a.avps.push_back(diameter::make_u32(diameter::avp::kResultCode, result));
    a.avps.push_back(diameter::make_str(diameter::avp::kOriginHost, "fake.peer.lab"));
    a.avps.push_back(diameter::make_str(diameter::avp::kOriginRealm, "peer.lab"));
    return a;
  }

 private:
  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, boost::asio::ip::tcp::socket s) {
      if (ec) return;
      socket_ = std::make_unique<boost::asio::ip::tcp::socket>(std::move(s));
      inbuf_.clear();
      read();
      accept();
    });
  }
  void read() {
    socket_->async_read_some(boost::asio::buffer(buf_), [this](boost::system::error_code ec, std::size_t n) {
      if (ec) return;
      inbuf_.insert(inbuf_.end(), buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(n));
      for (;;) {
        auto len = diameter::frame_length(inbuf_);
        if (!len.ok() || !len->has_value() || inbuf_.size() < **len) break;
        Bytes raw(inbuf_.begin(), inbuf_.begin() + static_cast<std::ptrdiff_t>(**len));
        inbuf_.erase(inbuf_.begin(), inbuf_.begin() + static_cast<std::ptrdiff_t>(**len));
        auto m = diameter::decode(raw);
        if (m.ok()) on_message(*m);
      }
      if (socket_ && socket_->is_open()) read();
    });
  }
  void on_message(const diameter::Message& m) {
    {
      std::lock_guard lock(mu_);
      received_.push_back(m);
    }
    cv_.notify_all();
    if (!m.is_request()) return;
    std::optional<diameter::Message> a;
    if (m.command_code == diameter::cmd::kCapabilitiesExchange || m.command_code == diameter::cmd::kDeviceWatchdog ||
        m.command_code == diameter::cmd::kDisconnectPeer) {
      a = answer(m, diameter::rc::kSuccess);
    } else if (handler_) {
      a = handler_(m);
    }
    boost::system::error_code ec;
    if (a) boost::asio::write(*socket_, boost::asio::buffer(*diameter::encode(*a)), ec);
    if (m.command_code == diameter::cmd::kDisconnectPeer) socket_->close(ec);
  }

  Handler handler_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::unique_ptr<boost::asio::ip::tcp::socket> socket_;
  std::array<std::uint8_t, 16384> buf_{};
  Bytes inbuf_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<diameter::Message> received_;
  std::thread thread_;
};

}  // namespace prose::testing
