// Internal to the net module: the HTTPS server's state, shared by its listener (server.cpp: Asio, no Beast) and its
// connections (server_session.cpp, the one Beast file of the server).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include "prose/util/asio_config.h"  // the project's one Asio configuration

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "prose/net/server.h"
#include "prose/net/server_admission.h"
#include "prose/net/server_counters.h"

namespace prose::net {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace detail {

// One connection of the server (server_session.cpp): made under Impl::m, admitted there (its AdmissionEntry), and
// registered in Impl::sessions until its destructor deregisters it and ends its admission.
class Connection : public AdmissionEntry {
 public:
  explicit Connection(const asio::ip::address& peer) : peer_addr(peer) {}
  virtual ~Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  virtual void run() = 0;
  // On the connection's strand, when the server stops: an unfinished handshake or an idle keep-alive connection is
  // closed now.
  virtual void on_stop() = 0;
  // On the connection's strand: closes the connection before its handshake finished (eviction, stop, deadline).
  virtual void abort() = 0;
  virtual asio::any_io_executor executor() = 0;

  const asio::ip::address peer_addr;
};

// A new connection on `socket` (accepted on its own strand) from `peer`; under Impl::m.
std::shared_ptr<Connection> make_session(HttpsServer::Impl& srv, tcp::socket&& socket, const asio::ip::address& peer);

// The admission key of a peer: the IPv4 address (also when mapped into IPv6), or the /64 prefix of an IPv6 address.
SourceKey source_of(const asio::ip::address& a);

}  // namespace detail

struct HttpsServer::Impl {
  HttpsServerConfig cfg;
  AsyncHandler handler;

  // Declared before the io_context: sessions still queued in it deregister here when it is destroyed.
  std::mutex m;
  std::condition_variable cv;
  std::map<detail::Connection*, std::weak_ptr<detail::Connection>> sessions;  // every live session (stop() waits)
  detail::Admission admission{{}};                                            // under m

  std::atomic<bool> started{false};
  std::atomic<bool> stopping{false};
  bool stopped = false;
  detail::ServerCounters counters;
  detail::LogGate refused_log, handshake_log, request_log;
  std::uint64_t ended_at_trim = 0;  // the trim timer's only
  std::size_t peak_since_trim = 0;  // under m

  std::optional<ssl::context> ssl_ctx;  // outlives the io_context and the sessions queued in it
  asio::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> accept_retry;
  std::optional<asio::steady_timer> trim_timer;
  std::vector<std::thread> threads;

  Impl(HttpsServerConfig c, AsyncHandler h) : cfg(std::move(c)), handler(std::move(h)), ioc(std::max(1, cfg.threads)) {}

  void do_accept();
  void on_accept(boost::system::error_code ec, tcp::socket socket);
  // Counts (and logs, rate-limited) a connection closed by admission control.
  void refuse(RefusalCause why, const asio::ip::address& from);
  // Under m: a new pending connection.
  std::shared_ptr<detail::Connection> admit(tcp::socket socket, const asio::ip::address& peer,
                                            const detail::SourceKey& source);
  void schedule_trim();
};

}  // namespace prose::net
