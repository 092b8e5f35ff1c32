// The HTTPS server's listener on Asio (no Beast): accepting and admitting connections, start, graceful stop, the
// CRL reload and the statistics. The connections are in server_session.cpp, admission control in
// server_admission.cpp, the counters in server_counters.cpp.
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include "prose/util/asio_config.h"  // the project's one Asio configuration

#include <algorithm>
#include <chrono>
#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "prose/net/server_internal.h"
#include "prose/net/tls_internal.h"
#include "prose/util/log.h"

namespace prose::net {

using boost::system::error_code;

namespace {

// Memory of closed connections goes back to the system (glibc malloc_trim) after a burst: checked this often, done
// when at least kTrimAfterEnded connections ended since the last time and at most half as many are open as at the
// peak since then. Not during a sustained flood: the memory is reused there, and a trim of a large heap can hold
// an I/O thread (and malloc in the others) for hundreds of milliseconds.
constexpr std::chrono::seconds kTrimInterval{2};
constexpr std::uint64_t kTrimAfterEnded = 64;

}  // namespace

detail::SourceKey detail::source_of(const asio::ip::address& a) {
  if (a.is_v4()) return asio::ip::make_address_v6(asio::ip::v4_mapped, a.to_v4()).to_bytes();
  auto bytes = a.to_v6().to_bytes();
  if (!a.to_v6().is_v4_mapped()) std::fill(bytes.begin() + 8, bytes.end(), 0);
  return bytes;
}

void HttpsServer::Impl::do_accept() {
  acceptor->async_accept(asio::make_strand(ioc),
                         [this](error_code ec, tcp::socket socket) { on_accept(ec, std::move(socket)); });
}

void HttpsServer::Impl::refuse(RefusalCause why, const asio::ip::address& from) {
  ++counters.refused[static_cast<std::size_t>(why)];
  if (auto suppressed = refused_log.allow()) {
    log::warn("https: connection from {} refused ({}); {} more refused connections not logged", from.to_string(),
              refusal_cause_name(why), *suppressed);
  }
}

void HttpsServer::Impl::on_accept(error_code ec, tcp::socket socket) {
  if (stopping || !acceptor->is_open()) return;
  if (ec) {
    // e.g. EMFILE: retry shortly instead of spinning.
    accept_retry->expires_after(std::chrono::milliseconds(50));
    accept_retry->async_wait([this](error_code e) {
      if (!e && !stopping) do_accept();
    });
    return;
  }
  error_code addr_ec;
  auto peer = socket.remote_endpoint(addr_ec).address();
  if (addr_ec) return do_accept();  // already reset by the peer
  // Responses go out as soon as they are written: without this, Nagle's algorithm holds a response's second
  // segment until the client's delayed ACK (about 40 ms on Linux).
  error_code nodelay_ec;
  socket.set_option(tcp::no_delay(true), nodelay_ec);
  const auto source = detail::source_of(peer);
  std::shared_ptr<detail::Connection> s;
  std::weak_ptr<detail::Connection> victim;
  {
    std::lock_guard lock(m);
    const auto decision = admission.decide(source);
    if (decision.verdict == detail::Admission::Verdict::kRefuse) {
      refuse(decision.cause, peer);
    } else {
      if (decision.verdict == detail::Admission::Verdict::kEvictThenAdmit) {
        auto* evicted = static_cast<detail::Connection*>(admission.evict_pending());
        refuse(decision.cause, evicted->peer_addr);
        if (auto live = sessions.find(evicted); live != sessions.end()) victim = live->second;
      }
      s = admit(std::move(socket), peer, source);
    }
  }
  if (auto v = victim.lock()) asio::post(v->executor(), [v] { v->abort(); });
  if (s) s->run();
  do_accept();
}

std::shared_ptr<detail::Connection> HttpsServer::Impl::admit(tcp::socket socket, const asio::ip::address& peer,
                                                             const detail::SourceKey& source) {
  ++counters.accepted;
  auto s = detail::make_session(*this, std::move(socket), peer);
  sessions.emplace(s.get(), s);
  admission.admit(*s, source);
  peak_since_trim = std::max(peak_since_trim, admission.admitted());
  return s;
}

void HttpsServer::Impl::schedule_trim() {
  trim_timer->expires_after(kTrimInterval);
  trim_timer->async_wait([this](error_code ec) {
    if (ec || stopping) return;
    std::uint64_t now = counters.ended.load();
    bool burst_over = false;
    if (now - ended_at_trim >= kTrimAfterEnded) {
      std::lock_guard lock(m);
      burst_over = admission.admitted() <= peak_since_trim / 2;
      if (burst_over) peak_since_trim = admission.admitted();
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

Result<std::uint16_t> HttpsServer::start() {
  Impl& s = *impl_;
  if (s.started.exchange(true)) return fail(Errc::kState, "server already started");
  PROSE_TRY_STATUS(detail::check_server_config(s.cfg));
  s.admission.set_limits(detail::admission_limits(s.cfg));
  PROSE_TRY(SSL_CTX * native, detail::make_server_ctx(s.cfg.tls));
  s.ssl_ctx.emplace(native);
  error_code ec;
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
    error_code ignored;
    s.acceptor->close(ignored);
    s.accept_retry->cancel();
    s.trim_timer->cancel();
  });
  std::vector<std::shared_ptr<detail::Connection>> live;
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
  ServerStats st = s.counters.snapshot();
  std::lock_guard lock(s.m);
  st.active_connections = s.admission.admitted();
  st.pending_handshakes = s.admission.pending();
  return st;
}

}  // namespace prose::net
