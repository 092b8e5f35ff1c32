// The HTTPS server on Boost.Beast. One of the two translation units of the module that include Beast.
#include "prose/net/server.h"

#include <sys/resource.h>

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
#include "prose/util/asio_config.h"  // the project's one Asio configuration

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <tuple>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "prose/net/tls_internal.h"
#include "prose/util/log.h"
#include "prose/util/rate_limit.h"

namespace prose::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

std::string_view refusal_cause_name(RefusalCause c) {
  static constexpr std::string_view kNames[] = {"max_connections", "max_pending_handshakes", "max_pending_per_source",
                                                "max_connections_per_source"};
  static_assert(std::size(kNames) == kRefusalCauses);
  return kNames[static_cast<std::size_t>(c)];
}

std::string_view handshake_failure_name(HandshakeFailure f) {
  static constexpr std::string_view kNames[] = {"no_certificate",  "expired", "unknown_ca", "revoked",
                                                "bad_certificate", "timeout", "closed",     "protocol"};
  static_assert(std::size(kNames) == kHandshakeFailures);
  return kNames[static_cast<std::size_t>(f)];
}

namespace {

class Session;

// Descriptors kept free for everything else in the process (store, MIKEY, logs) when max_connections is clamped.
constexpr std::size_t kReservedDescriptors = 256;
// Memory of closed connections goes back to the system (glibc malloc_trim) after a burst: checked this often, done
// when at least kTrimAfterEnded connections ended since the last time and at most half as many are open as at the
// peak since then. Not during a sustained flood: the memory is reused there, and a trim of a large heap can hold
// an I/O thread (and malloc in the others) for hundreds of milliseconds.
constexpr std::chrono::seconds kTrimInterval{2};
constexpr std::uint64_t kTrimAfterEnded = 64;
// Log lines about refused connections, failed handshakes and bad requests: at most one per kind this often.
constexpr std::int64_t kLogIntervalMs = 1000;

// The admission key of a peer: the IPv4 address (also when mapped into IPv6), or the /64 prefix of an IPv6 address.
asio::ip::address source_of(const asio::ip::address& a) {
  if (a.is_v6()) {
    auto v6 = a.to_v6();
    if (v6.is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, v6);
    auto bytes = v6.to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);
    return asio::ip::address_v6(bytes);
  }
  return a;
}

// The connections of one source: how many in all, and the pending ones, oldest first.
struct Source {
  std::size_t total = 0;
  std::list<Session*> pending;
};

// kFailed: the handshake failed; no longer pending, the connection counts until its session ends.
enum class Admission : std::uint8_t { kPending, kEstablished, kFailed, kEvicted };

// One kind of log line, rate-limited across threads.
struct LogGate {
  std::mutex m;
  LogRateLimiter limiter{kLogIntervalMs};
  std::optional<std::uint64_t> allow() {
    auto now =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch());
    std::lock_guard lock(m);
    return limiter.allow(now.count());
  }
};

template <std::size_t N>
using Counters = std::array<std::atomic<std::uint64_t>, N>;

}  // namespace

struct HttpsServer::Impl {
  HttpsServerConfig cfg;
  AsyncHandler handler;

  // Declared before the io_context: sessions still queued in it deregister here when it is destroyed.
  std::mutex m;
  std::condition_variable cv;
  std::map<Session*, std::weak_ptr<Session>> sessions;  // every live session (stop() waits for them)
  // Admission, under m: admitted connections (not evicted), the connections of each source, the sources with pending
  // connections by how many.
  std::size_t admitted = 0;
  std::size_t pending = 0;
  std::map<asio::ip::address, Source> sources;
  // Sources with pending connections, ordered by (how many, ~admission number of their oldest): the last is the
  // source with the most, and of those the one whose oldest connection came first.
  std::set<std::tuple<std::size_t, std::uint64_t, asio::ip::address>> by_pending;
  std::uint64_t admissions = 0;
  std::size_t max_connections = 0;  // cfg.max_connections clamped to the descriptor limit
  std::size_t max_pending = 0;
  std::size_t max_pending_per_source = 0;

  std::atomic<bool> started{false};
  std::atomic<bool> stopping{false};
  bool stopped = false;
  std::atomic<std::uint64_t> accepted{0}, resumed{0}, requests{0}, http_400{0}, http_413{0}, http_431{0},
      read_timeouts{0}, ended{0};
  Counters<kRefusalCauses> refused{};
  Counters<kHandshakeFailures> hs_failed{};
  LogGate refused_log, handshake_log, request_log;
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
  void on_accept(beast::error_code ec, tcp::socket socket);
  // Under m: a connection of `src` (its entry in `sources`) becomes or stops being pending.
  std::list<Session*>::iterator add_pending(std::map<asio::ip::address, Source>::iterator src, Session* s);
  void remove_pending(std::map<asio::ip::address, Source>::iterator src, std::list<Session*>::iterator it);
  // Under m: the connection of `src` ends (not counted any more); erases a source with no connection left.
  void remove_connection(std::map<asio::ip::address, Source>::iterator src);
  // Under m: takes the oldest pending connection of the source with the most pending connections out of the counts;
  // the caller closes it after unlocking.
  std::weak_ptr<Session> evict_pending(RefusalCause why);
  // Under m: the entry of `src` (which has pending connections) in by_pending.
  std::tuple<std::size_t, std::uint64_t, asio::ip::address> pending_key(
      std::map<asio::ip::address, Source>::iterator src) const;
  // Counts (and logs, rate-limited) a connection closed by admission control.
  void refuse(RefusalCause why, const asio::ip::address& from);
  // Under m: a new pending connection.
  std::shared_ptr<Session> admit(tcp::socket socket, const asio::ip::address& peer, const asio::ip::address& source);
  void schedule_trim();
};

namespace {

bool iequals(std::string_view a, std::string_view b) { return beast::iequals(a, b); }

// The remote IP address in text form, an IPv4-mapped IPv6 address as IPv4; empty when the socket has none.
// The peer's IP address as text; an IPv4-mapped IPv6 address (a dual-stack listener) as IPv4.
std::string address_text(asio::ip::address a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  return a.to_string();
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  // Made by Impl::admit (under m), which also sets seq_ and pending_it_.
  Session(HttpsServer::Impl& srv, tcp::socket&& socket, asio::ip::address peer)
      : srv_(srv),
        executor_(socket.get_executor()),
        socket_(std::move(socket)),
        deadline_(executor_),
        peer_addr_(peer),
        source_(source_of(peer)) {}

  ~Session() {
    std::lock_guard lock(srv_.m);
    srv_.sessions.erase(this);
    if (admission_ != Admission::kEvicted) {
      auto src = srv_.sources.find(source_);
      if (admission_ == Admission::kPending) srv_.remove_pending(src, pending_it_);
      srv_.remove_connection(src);
    }
    ++srv_.ended;
    srv_.cv.notify_all();
  }

  void run() {
    asio::dispatch(executor_, [self = shared_from_this()] { self->wait_for_hello(); });
  }

  // On the session's strand, when the server stops: an unfinished handshake or an idle keep-alive connection is
  // closed now.
  void on_stop() {
    if (!authenticated_) return abort();
    if (idle_) beast::get_lowest_layer(*stream_).cancel();
  }

  // On the session's strand: closes the connection before its handshake finished (eviction, stop, deadline).
  void abort() {
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

  asio::any_io_executor executor() { return executor_; }

 private:
  friend struct HttpsServer::Impl;

  // Until the first octet arrives the connection holds no TLS state: an idle TCP connection costs a socket and
  // this object, not the ~70 KiB of an SSL object and the stream's record buffers.
  void wait_for_hello() {
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

  void on_handshake(beast::error_code ec) {
    if (ec) {
      HandshakeFailure why = HandshakeFailure::kClosed;
      if (ec.category() == asio::error::get_ssl_category())
        why = detail::classify_handshake_failure(stream_->native_handle(), static_cast<unsigned long>(ec.value()));
      return handshake_failed(ec, why);
    }
    auto id = detail::peer_identity(stream_->native_handle());
    if (!id.ok()) return handshake_failed(ec, HandshakeFailure::kBadCertificate, id.error().message);
    {
      std::lock_guard lock(srv_.m);
      if (admission_ == Admission::kEvicted) return;  // closed by the eviction posted to this strand
      admission_ = Admission::kEstablished;
      srv_.remove_pending(srv_.sources.find(source_), pending_it_);
    }
    deadline_.cancel();
    authenticated_ = true;
    peer_.emplace(std::move(id).value());
    if (SSL_session_reused(stream_->native_handle()) == 1) ++srv_.resumed;
    do_read_header();
  }

  // Counts and logs (rate-limited) a failed handshake, unless the server closed the connection itself (eviction,
  // stop); the socket closes with the session.
  void handshake_failed(beast::error_code ec, HandshakeFailure why, std::string detail = {}) {
    deadline_.cancel();
    if (timed_out_) {
      why = HandshakeFailure::kTimeout;
      detail = "not finished " + std::to_string(srv_.cfg.handshake_timeout.count()) + " ms after accept";
    }
    if (srv_.stopping || (aborted_ && !timed_out_)) return;
    {
      std::lock_guard lock(srv_.m);
      if (admission_ == Admission::kEvicted) return;
      if (admission_ == Admission::kPending) {
        srv_.remove_pending(srv_.sources.find(source_), pending_it_);
        admission_ = Admission::kFailed;
      }
    }
    // Logged, then counted: whoever sees the count (a test, /metrics) also finds the log line and the pending
    // handshake gone.
    if (auto suppressed = srv_.handshake_log.allow()) {
      log::warn("https: TLS handshake from {} failed: {} ({}); {} more failed handshakes not logged",
                peer_addr_.to_string(), handshake_failure_name(why), detail.empty() ? ec.message() : detail,
                *suppressed);
    }
    ++srv_.hs_failed[static_cast<std::size_t>(why)];
  }

  void do_read_header() {
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

  // Errors while reading a request: answer what deserves an answer, close otherwise.
  bool handle_read_error(beast::error_code ec) {
    if (!ec) return false;
    if (ec == http::error::body_limit) {
      ++srv_.http_413;
      send_error(413, "request body too large");
    } else if (ec == http::error::header_limit) {
      ++srv_.http_431;
      send_error(431, "request header fields too large");
    } else if (ec.category() == beast::error_code(http::error::end_of_stream).category() &&
               ec != http::error::end_of_stream && ec != http::error::partial_message) {
      ++srv_.http_400;
      send_error(400, "malformed HTTP request");
    } else {
      // A request begun and not finished in time, or none at all on a new connection; a keep-alive connection
      // that stays idle ends normally.
      if (ec == beast::error::timeout && ((parser_ && parser_->got_some()) || served_ == 0)) {
        ++srv_.read_timeouts;
        log_bad_request("read timeout");
      }
      do_close();
    }
    return true;
  }

  void log_bad_request(std::string_view what) {
    if (auto suppressed = srv_.request_log.allow()) {
      log::warn("https: {} from {} ({}); {} more bad requests not logged", what, peer_->to_string(),
                peer_addr_.to_string(), *suppressed);
    }
  }

  void on_header(beast::error_code ec) {
    if (!ec || parser_->got_some()) idle_ = false;
    if (handle_read_error(ec)) return;
    const auto& req = parser_->get();
    // RFC 9112 6.1: a request whose Transfer-Encoding does not end in chunked has no reliable length (Beast would
    // fall back to a Content-Length, which a proxy in front may read otherwise: smuggling). 400, then close.
    if (req.find(http::field::transfer_encoding) != req.end() && !parser_->chunked()) {
      ++srv_.http_400;
      return send_error(400, "Transfer-Encoding must end in chunked");
    }
    auto expect = req[http::field::expect];
    beast::get_lowest_layer(*stream_).expires_after(srv_.cfg.read_timeout);
    if (!expect.empty() && iequals(expect, "100-continue") && !parser_->is_done()) {
      continue_.emplace(http::status::continue_, 11);
      http::async_write(*stream_, *continue_, [self = shared_from_this()](beast::error_code ec2, std::size_t) {
        self->continue_.reset();
        if (ec2) return self->do_close();
        self->do_read_body();
      });
      return;
    }
    do_read_body();
  }

  void do_read_body() {
    http::async_read(*stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (handle_read_error(ec)) return;
    auto req = parser_->release();
    parser_.reset();
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
    r.remote_address = address_text(peer_addr_);
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

  void send_error(int status, std::string_view reason) {
    log_bad_request(std::to_string(status) + " " + std::string(reason));
    send(make_error_response(status, reason), true);
  }

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
    beast::get_lowest_layer(*stream_).expires_after(srv_.cfg.write_timeout);
    http::async_write(*stream_, *res_, [self = shared_from_this(), close](beast::error_code ec, std::size_t) {
      self->res_.reset();
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
    beast::get_lowest_layer(*stream_).expires_after(std::min<std::chrono::milliseconds>(srv_.cfg.write_timeout, wait));
    stream_->async_shutdown([self = shared_from_this()](beast::error_code) {
      beast::error_code ignored;
      beast::get_lowest_layer(*self->stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
      beast::get_lowest_layer(*self->stream_).close();
    });
  }

  HttpsServer::Impl& srv_;
  asio::any_io_executor executor_;  // the connection's strand
  tcp::socket socket_;              // until the first octet arrives, then moved into stream_
  asio::steady_timer deadline_;     // handshake_timeout, from accept
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream_;
  asio::ip::address peer_addr_;
  asio::ip::address source_;
  // Admission state, under srv_.m.
  Admission admission_ = Admission::kPending;
  std::list<Session*>::iterator pending_it_;
  std::uint64_t seq_ = 0;  // admission number
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  std::optional<http::response<http::string_body>> res_;
  std::optional<PeerIdentity> peer_;
  bool authenticated_ = false;
  bool aborted_ = false;
  bool timed_out_ = false;
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

std::tuple<std::size_t, std::uint64_t, asio::ip::address> HttpsServer::Impl::pending_key(
    std::map<asio::ip::address, Source>::iterator src) const {
  return {src->second.pending.size(), ~src->second.pending.front()->seq_, src->first};
}

std::list<Session*>::iterator HttpsServer::Impl::add_pending(std::map<asio::ip::address, Source>::iterator src,
                                                             Session* s) {
  auto& list = src->second.pending;
  if (!list.empty()) by_pending.erase(pending_key(src));
  auto it = list.insert(list.end(), s);
  by_pending.insert(pending_key(src));
  ++pending;
  return it;
}

void HttpsServer::Impl::remove_pending(std::map<asio::ip::address, Source>::iterator src,
                                       std::list<Session*>::iterator it) {
  auto& list = src->second.pending;
  by_pending.erase(pending_key(src));
  list.erase(it);
  if (!list.empty()) by_pending.insert(pending_key(src));
  --pending;
}

void HttpsServer::Impl::remove_connection(std::map<asio::ip::address, Source>::iterator src) {
  --admitted;
  if (--src->second.total == 0) sources.erase(src);
}

std::weak_ptr<Session> HttpsServer::Impl::evict_pending(RefusalCause why) {
  auto src = sources.find(std::get<2>(*by_pending.rbegin()));
  Session* victim = src->second.pending.front();
  victim->admission_ = Admission::kEvicted;
  remove_pending(src, src->second.pending.begin());
  remove_connection(src);
  refuse(why, victim->peer_addr_);
  auto live = sessions.find(victim);
  return live == sessions.end() ? std::weak_ptr<Session>() : live->second;
}

void HttpsServer::Impl::refuse(RefusalCause why, const asio::ip::address& from) {
  ++refused[static_cast<std::size_t>(why)];
  if (auto suppressed = refused_log.allow()) {
    log::warn("https: connection from {} refused ({}); {} more refused connections not logged", from.to_string(),
              refusal_cause_name(why), *suppressed);
  }
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
  beast::error_code addr_ec;
  auto peer = socket.remote_endpoint(addr_ec).address();
  if (addr_ec) return do_accept();  // already reset by the peer
  // Responses go out as soon as they are written: without this, Nagle's algorithm holds a response's second
  // segment until the client's delayed ACK (about 40 ms on Linux).
  beast::error_code nodelay_ec;
  socket.set_option(tcp::no_delay(true), nodelay_ec);
  const auto source = source_of(peer);
  std::shared_ptr<Session> s;
  std::weak_ptr<Session> victim;
  {
    std::lock_guard lock(m);
    auto known = sources.find(source);
    if (known != sources.end() && known->second.total >= cfg.max_connections_per_source) {
      refuse(RefusalCause::kMaxConnectionsPerSource, peer);
    } else if (known != sources.end() && known->second.pending.size() >= max_pending_per_source) {
      refuse(RefusalCause::kMaxPendingPerSource, peer);
    } else if (admitted >= max_connections && pending == 0) {
      refuse(RefusalCause::kMaxConnections, peer);
    } else if (bool full = admitted >= max_connections; full || pending >= max_pending) {
      // A pending handshake makes room, taken from the source with the most, when that is more than the new
      // connection's source has: a flood from a few sources is refused (before any TLS work) and leaves the
      // others' handshakes alone; a client from elsewhere still gets in.
      auto why = full ? RefusalCause::kMaxConnections : RefusalCause::kMaxPendingHandshakes;
      if (std::size_t own = known == sources.end() ? 0 : known->second.pending.size();
          own >= std::get<0>(*by_pending.rbegin())) {
        refuse(why, peer);
      } else {
        victim = evict_pending(why);
        s = admit(std::move(socket), peer, source);
      }
    } else {
      s = admit(std::move(socket), peer, source);
    }
  }
  if (auto v = victim.lock()) asio::post(v->executor(), [v] { v->abort(); });
  if (s) s->run();
  do_accept();
}

std::shared_ptr<Session> HttpsServer::Impl::admit(tcp::socket socket, const asio::ip::address& peer,
                                                  const asio::ip::address& source) {
  ++accepted;
  peak_since_trim = std::max(peak_since_trim, ++admitted);
  auto s = std::make_shared<Session>(*this, std::move(socket), peer);
  sessions.emplace(s.get(), s);
  auto src = sources.try_emplace(source).first;  // after the eviction, which may have erased it
  ++src->second.total;
  s->seq_ = ++admissions;
  s->pending_it_ = add_pending(src, s.get());
  return s;
}

void HttpsServer::Impl::schedule_trim() {
  trim_timer->expires_after(kTrimInterval);
  trim_timer->async_wait([this](beast::error_code ec) {
    if (ec || stopping) return;
    std::uint64_t now = ended.load();
    bool burst_over = false;
    if (now - ended_at_trim >= kTrimAfterEnded) {
      std::lock_guard lock(m);
      burst_over = admitted <= peak_since_trim / 2;
      if (burst_over) peak_since_trim = admitted;
    }
    if (burst_over) {
      ended_at_trim = now;
#if defined(__GLIBC__)
      malloc_trim(0);  // glibc keeps freed memory of every arena otherwise
#endif
    }
    schedule_trim();
  });
}

HttpsServer::HttpsServer(HttpsServerConfig config, Handler handler)
    : impl_(std::make_shared<Impl>(
          std::move(config),
          [h = std::move(handler)](const PeerIdentity& p, HttpRequest r, Responder respond) { respond(h(p, r)); })) {}

HttpsServer::HttpsServer(HttpsServerConfig config, AsyncHandler handler)
    : impl_(std::make_shared<Impl>(std::move(config), std::move(handler))) {}

HttpsServer::~HttpsServer() { stop(); }

namespace {

// Raises the soft descriptor limit to the hard one; returns the limit (0: unlimited or unknown).
std::size_t descriptor_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return 0;
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
  }
  return rl.rlim_cur == RLIM_INFINITY ? 0 : static_cast<std::size_t>(rl.rlim_cur);
}

}  // namespace

Result<std::uint16_t> HttpsServer::start() {
  Impl& s = *impl_;
  if (s.started.exchange(true)) return fail(Errc::kState, "server already started");
  if (s.cfg.threads < 1) return fail(Errc::kInvalidArgument, "threads must be at least 1");
  if (s.cfg.max_body_bytes == 0 || s.cfg.max_header_bytes == 0)
    return fail(Errc::kInvalidArgument, "header and body limits must be positive");
  if (s.cfg.max_connections == 0 || s.cfg.max_pending_handshakes == 0 || s.cfg.max_pending_per_source == 0 ||
      s.cfg.max_connections_per_source == 0)
    return fail(Errc::kInvalidArgument, "connection limits must be positive");
  if (s.cfg.handshake_timeout.count() <= 0) return fail(Errc::kInvalidArgument, "handshake_timeout must be positive");
  s.max_connections = s.cfg.max_connections;
  if (std::size_t limit = descriptor_limit(); limit != 0) {
    std::size_t usable = limit > 2 * kReservedDescriptors ? limit - kReservedDescriptors : limit / 2;
    if (usable < s.max_connections) {
      log::warn("https: max_connections {} lowered to {}: the descriptor limit is {} (ulimit -Hn)",
                s.cfg.max_connections, usable, limit);
      s.max_connections = usable;
    }
  }
  s.max_pending = std::min(s.cfg.max_pending_handshakes, s.max_connections);
  s.max_pending_per_source = std::min(s.cfg.max_pending_per_source, s.max_pending);
  PROSE_TRY(SSL_CTX * native, detail::make_server_ctx(s.cfg.tls));
  s.ssl_ctx.emplace(native);
  beast::error_code ec;
  auto addr = asio::ip::make_address(s.cfg.bind_address, ec);
  if (ec) return fail(Errc::kInvalidArgument, "bad bind address '" + s.cfg.bind_address + "'");
  tcp::endpoint ep(addr, s.cfg.port);
  s.acceptor.emplace(asio::make_strand(s.ioc));
  s.accept_retry.emplace(s.acceptor->get_executor());
  s.trim_timer.emplace(s.acceptor->get_executor());
  if (s.acceptor->open(ep.protocol(), ec); ec) return fail(Errc::kIo, "socket: " + ec.message());
  s.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (s.acceptor->bind(ep, ec); ec)
    return fail(Errc::kIo,
                "cannot bind " + s.cfg.bind_address + ":" + std::to_string(s.cfg.port) + ": " + ec.message());
  if (s.acceptor->listen(asio::socket_base::max_listen_connections, ec); ec)
    return fail(Errc::kIo, "listen: " + ec.message());
  std::uint16_t port = s.acceptor->local_endpoint().port();
  s.do_accept();
  s.schedule_trim();
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
    s.trim_timer->cancel();
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
  Impl& s = *impl_;
  ServerStats st;
  st.connections_accepted = s.accepted;
  for (std::size_t i = 0; i < kRefusalCauses; ++i) st.connections_rejected += st.refused[i] = s.refused[i];
  for (std::size_t i = 0; i < kHandshakeFailures; ++i)
    st.handshakes_failed += st.handshake_failures[i] = s.hs_failed[i];
  st.sessions_resumed = s.resumed;
  st.requests = s.requests;
  st.http_400 = s.http_400;
  st.http_413 = s.http_413;
  st.http_431 = s.http_431;
  st.read_timeouts = s.read_timeouts;
  st.bad_requests = st.http_400 + st.http_413 + st.http_431 + st.read_timeouts;
  {
    std::lock_guard lock(s.m);
    st.active_connections = s.admitted;
    st.pending_handshakes = s.pending;
  }
  return st;
}

}  // namespace prose::net
