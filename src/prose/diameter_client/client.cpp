#include "prose/diameter_client/client.h"

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <ctime>
#include <deque>
#include <future>
#include <map>
#include <thread>
#include "prose/util/asio_config.h"  // the project's one Asio configuration

#include "prose/diameter/time.h"
#include "prose/util/random.h"

namespace prose::diameter {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
namespace d = prose::diameter;

namespace {

constexpr const char* kProductName = "prose-pkmf";

// How an answer's code maps to the caller's error (RFC 6733 7.1, TS 29.229 6.2, TS 29.109 6.2). Codes not listed:
// kUnsupported (a permanent failure the PKMF reports at once).
struct ResultMapping {
  std::uint32_t code;
  bool experimental;
  Errc errc;
  const char* meaning;
};
constexpr ResultMapping kResultMap[] = {
    {d::rc::kUnableToDeliver, false, Errc::kTimeout, "unable to deliver"},
    {d::rc::kTooBusy, false, Errc::kTimeout, "too busy"},
    {d::rc::kAuthenticationRejected, false, Errc::kAuthFailed, "authentication rejected"},
    {d::rc::kAvpUnsupported, false, Errc::kInvalidArgument, "AVP unsupported"},
    {d::rc::kInvalidAvpValue, false, Errc::kInvalidArgument, "invalid AVP value"},
    {d::rc::kMissingAvp, false, Errc::kInvalidArgument, "missing AVP"},
    {d::rc::kAvpOccursTooManyTimes, false, Errc::kInvalidArgument, "AVP occurs too many times"},
    {d::rc::kInvalidAvpLength, false, Errc::kInvalidArgument, "invalid AVP length"},
    {d::rc::kErrorUserUnknown, true, Errc::kNotFound, "unknown user"},
    {d::rc::kErrorIdentityUnknown, true, Errc::kNotFound, "unknown user"},
    {d::rc::kErrorNotAuthorized, true, Errc::kDenied, "not authorised"},
    {d::rc::kErrorTransactionIdentifierInvalid, true, Errc::kNotFound, "unknown or expired B-TID"},
};

d::Avp vendor_app(std::uint32_t app) {
  return d::make_grouped(d::avp::kVendorSpecificApplicationId, {d::make_u32(d::avp::kVendorId, d::kVendor3gpp),
                                                                d::make_u32(d::avp::kAuthApplicationId, app)});
}

}  // namespace

Status answer_status(const d::Message& ans, std::string_view what, AnswerCode& out) {
  std::string err;
  if (const d::Avp* e = d::find(ans.avps, d::avp::kErrorMessage)) err = " (" + d::as_string(*e) + ")";
  AnswerCode code;
  if (const d::Avp* rc = d::find(ans.avps, d::avp::kResultCode)) {
    PROSE_TRY(code.code, d::as_u32(*rc));
  } else if (const d::Avp* er = d::find(ans.avps, d::avp::kExperimentalResult)) {
    PROSE_TRY(auto inner, d::as_grouped(*er));
    const d::Avp* c = d::find(inner, d::avp::kExperimentalResultCode);
    if (!c) return fail(Errc::kMalformed, std::string(what) + ": Experimental-Result without a code");
    PROSE_TRY(code.code, d::as_u32(*c));
    code.experimental = true;
  } else {
    return fail(Errc::kMalformed, std::string(what) + ": answer without Result-Code");
  }
  out = code;
  if (!code.experimental && code.code == d::rc::kSuccess) return ok_status();
  std::string msg = std::string(what) + ": " + (code.experimental ? "Experimental-Result-Code " : "Result-Code ") +
                    std::to_string(code.code);
  for (const auto& m : kResultMap) {
    if (m.code == code.code && m.experimental == code.experimental)
      return fail(m.errc, msg + " (" + m.meaning + ")" + err);
  }
  return fail(Errc::kUnsupported, msg + err);
}

bool retry_elsewhere(const AnswerCode& code) {
  return !code.experimental && (code.code == d::rc::kUnableToDeliver || code.code == d::rc::kTooBusy);
}

std::uint32_t next_end_to_end() {
  static std::atomic<std::uint32_t> next{(static_cast<std::uint32_t>(std::time(nullptr)) << 20) |
                                         (random_u32() & 0xfffffU)};
  return next++;
}

struct HssClient::Impl {
  using Promise = std::promise<Result<d::Message>>;
  ClientConfig cfg;
  asio::io_context io;
  tcp::socket socket{io};
  asio::steady_timer watchdog{io};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  std::string local_ip;
  std::atomic<std::uint32_t> next_hbh{random_u32()};
  bool open = false;  // CER/CEA done

  std::mutex mu;
  std::map<std::uint32_t, std::shared_ptr<Promise>> pending;  // by Hop-by-Hop Identifier
  std::atomic<bool> alive{false};

  // io thread only
  std::deque<Bytes> outbox;
  bool writing = false;
  bool close_after_write = false;
  bool closed = false;
  bool dwr_outstanding = false;
  std::array<std::uint8_t, 16384> buf{};
  Bytes inbuf;

  ~Impl() { stop(); }

  void start() {
    alive = true;
    io.restart();
    work.emplace(asio::make_work_guard(io));
    thread = std::thread([this] { io.run(); });
    asio::post(io, [this] {
      read();
      arm_watchdog();
    });
  }
  void stop() {
    if (!thread.joinable()) return;
    asio::post(io, [this] { fail_all("connection closed"); });
    work.reset();
    thread.join();
  }

  d::Message base(std::uint32_t command, std::uint32_t hbh, std::uint32_t e2e, bool request) const {
    d::Message m;
    m.flags = request ? d::kFlagRequest : 0;
    m.command_code = command;
    m.hop_by_hop = hbh;
    m.end_to_end = e2e;
    return m;
  }
  void answer(const d::Message& req, std::uint32_t result) {
    d::Message a = base(req.command_code, req.hop_by_hop, req.end_to_end, false);
    a.application_id = req.application_id;
    if (result >= 3000 && result < 4000) a.flags |= d::kFlagError;
    if (const d::Avp* sid = d::find(req.avps, d::avp::kSessionId)) a.avps.push_back(*sid);
    a.avps.push_back(d::make_u32(d::avp::kResultCode, result));
    a.avps.push_back(d::make_str(d::avp::kOriginHost, cfg.origin_host));
    a.avps.push_back(d::make_str(d::avp::kOriginRealm, cfg.origin_realm));
    if (auto enc = d::encode(a); enc.ok()) send(std::move(*enc));
  }

  // RFC 3539 3.4: DWR after Tw without traffic; the connection has failed when another Tw passes in silence.
  void arm_watchdog() {
    if (closed) return;
    watchdog.expires_after(d::watchdog_delay(cfg.watchdog));
    watchdog.async_wait([this](boost::system::error_code ec) {
      if (ec || closed) return;
      if (dwr_outstanding) {
        fail_all("watchdog: no answer within Tw");
        return;
      }
      d::Message dwr = base(d::cmd::kDeviceWatchdog, next_hbh++, next_end_to_end(), true);
      dwr.avps = {d::make_str(d::avp::kOriginHost, cfg.origin_host),
                  d::make_str(d::avp::kOriginRealm, cfg.origin_realm)};
      dwr_outstanding = true;
      if (auto enc = d::encode(dwr); enc.ok()) send(std::move(*enc));
      arm_watchdog();
    });
  }

  void read() {
    socket.async_read_some(asio::buffer(buf), [this](boost::system::error_code ec, std::size_t n) {
      if (ec) {
        fail_all(ec == asio::error::eof ? "the peer closed the connection" : "receive: " + ec.message());
        return;
      }
      dwr_outstanding = false;  // any traffic shows the peer is alive (RFC 3539 3.4.1)
      arm_watchdog();
      inbuf.insert(inbuf.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
      for (;;) {
        auto len = d::frame_length(inbuf);
        if (!len.ok()) {
          fail_all("framing error: " + len.error().to_string());
          return;
        }
        if (!len->has_value() || inbuf.size() < **len) break;
        Bytes raw(inbuf.begin(), inbuf.begin() + static_cast<std::ptrdiff_t>(**len));
        inbuf.erase(inbuf.begin(), inbuf.begin() + static_cast<std::ptrdiff_t>(**len));
        auto m = d::decode(raw);
        if (m.ok()) on_message(std::move(*m));  // an undecodable answer times out at the caller
      }
      if (!closed) read();
    });
  }

  void on_message(d::Message m) {
    if (m.is_request()) {
      if (m.command_code == d::cmd::kDeviceWatchdog) {
        answer(m, d::rc::kSuccess);
      } else if (m.command_code == d::cmd::kDisconnectPeer) {
        // The peer leaves (RFC 6733 5.4): stop using the connection, answer, close once the DPA is out. Marked
        // dead before the DPA leaves, so nobody who saw the peer close still finds the connection alive.
        alive = false;
        close_after_write = true;
        answer(m, d::rc::kSuccess);
      } else {
        answer(m, d::rc::kCommandUnsupported);
      }
      return;
    }
    std::shared_ptr<Promise> p;
    {
      std::lock_guard lock(mu);
      auto it = pending.find(m.hop_by_hop);
      if (it == pending.end()) return;  // our watchdog's DWA, or the answer to a request that timed out
      p = std::move(it->second);
      pending.erase(it);
    }
    p->set_value(std::move(m));
  }

  void send(Bytes data) {
    if (closed) return;
    outbox.push_back(std::move(data));
    if (!writing) write_next();
  }
  void write_next() {
    if (outbox.empty()) {
      writing = false;
      if (close_after_write) fail_all("the peer disconnected (DPR)");
      return;
    }
    writing = true;
    asio::async_write(socket, asio::buffer(outbox.front()), [this](boost::system::error_code ec, std::size_t) {
      if (ec) {
        fail_all("send: " + ec.message());
        return;
      }
      outbox.pop_front();
      write_next();
    });
  }

  void fail_all(const std::string& why) {
    alive = false;
    if (!closed) {
      closed = true;
      boost::system::error_code ec;
      watchdog.cancel();
      socket.shutdown(tcp::socket::shutdown_both, ec);
      socket.close(ec);
    }
    std::map<std::uint32_t, std::shared_ptr<Promise>> waiting;
    {
      std::lock_guard lock(mu);
      waiting.swap(pending);
    }
    for (auto& [hbh, p] : waiting) p->set_value(fail(Errc::kIo, why));
  }
};

HssClient::HssClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HssClient::~HssClient() {
  if (impl_->open && impl_->alive) (void)disconnect();
}

bool HssClient::alive() const { return impl_->alive; }
const std::string& HssClient::local_address() const { return impl_->local_ip; }

d::Message HssClient::new_request(const ClientConfig& cfg, std::uint32_t command, std::uint32_t app,
                                  bool with_session) {
  // Session-Id = <DiameterIdentity>;<high 32 bits>;<low 32 bits> (RFC 6733 8.8), unique for the process.
  static const std::uint32_t session_high = random_u32();
  static std::atomic<std::uint64_t> session_counter{0};
  d::Message m;
  m.flags = d::kFlagRequest | (app != d::app::kCommon ? d::kFlagProxiable : 0);
  m.command_code = command;
  m.application_id = app;
  if (with_session) {
    m.avps.push_back(d::make_str(d::avp::kSessionId, cfg.origin_host + ";" + std::to_string(session_high) + ";" +
                                                         std::to_string(++session_counter)));
  }
  if (app != d::app::kCommon) {
    m.avps.push_back(vendor_app(app));
    m.avps.push_back(d::make_u32(d::avp::kAuthSessionState, d::kNoStateMaintained));
  }
  m.avps.push_back(d::make_str(d::avp::kOriginHost, cfg.origin_host));
  m.avps.push_back(d::make_str(d::avp::kOriginRealm, cfg.origin_realm));
  if (app != d::app::kCommon) m.avps.push_back(d::make_str(d::avp::kDestinationRealm, cfg.destination_realm));
  return m;
}

Result<d::Message> HssClient::transact(d::Message req) {
  if (!impl_->alive) return fail(Errc::kIo, "connection to the Diameter peer is closed");
  req.hop_by_hop = impl_->next_hbh++;
  if (req.end_to_end == 0) req.end_to_end = next_end_to_end();
  PROSE_TRY(Bytes raw, d::encode(req));
  auto p = std::make_shared<Impl::Promise>();
  auto answer = p->get_future();
  {
    std::lock_guard lock(impl_->mu);
    impl_->pending.emplace(req.hop_by_hop, std::move(p));
  }
  asio::post(impl_->io, [impl = impl_.get(), raw = std::move(raw)]() mutable { impl->send(std::move(raw)); });
  if (answer.wait_for(impl_->cfg.timeout) != std::future_status::ready) {
    std::lock_guard lock(impl_->mu);
    if (impl_->pending.erase(req.hop_by_hop) == 1) {
      return fail(Errc::kTimeout, d::command_name(req.command_code, true) + ": no answer within " +
                                      std::to_string(impl_->cfg.timeout.count()) + " ms");
    }
  }
  PROSE_TRY(d::Message ans, answer.get());
  if (ans.command_code != req.command_code || ans.end_to_end != req.end_to_end) {
    return fail(Errc::kMalformed, "answer command " + std::to_string(ans.command_code) + " does not match request");
  }
  return ans;
}

Status HssClient::check_result(const d::Message& ans, std::string_view what) { return answer_status(ans, what, last_); }

Result<std::unique_ptr<HssClient>> HssClient::connect(const ClientConfig& config) {
  auto impl = std::make_unique<Impl>();
  impl->cfg = config;
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(config.host, ec);
  if (ec) return fail(Errc::kInvalidArgument, "HSS address '" + config.host + "': " + ec.message());
  bool done = false;
  boost::system::error_code cerr;
  impl->socket.async_connect(tcp::endpoint(addr, config.port), [&](boost::system::error_code e) {
    cerr = e;
    done = true;
  });
  impl->io.run_for(config.timeout);
  if (!done) {
    impl->socket.close(ec);
    impl->io.restart();
    impl->io.run();
    return fail(Errc::kTimeout, "connect to " + config.host + ":" + std::to_string(config.port) +
                                    ": no answer within " + std::to_string(config.timeout.count()) + " ms");
  }
  if (cerr) {
    return fail(Errc::kIo, "connect to " + config.host + ":" + std::to_string(config.port) + ": " + cerr.message());
  }
  impl->socket.set_option(tcp::no_delay(true), ec);
  impl->local_ip = impl->socket.local_endpoint(ec).address().to_string();
  impl->start();
  std::unique_ptr<HssClient> c(new HssClient(std::move(impl)));
  d::Message cer = new_request(config, d::cmd::kCapabilitiesExchange, d::app::kCommon, false);
  PROSE_TRY(d::Avp host_ip, d::make_address(d::avp::kHostIpAddress, c->impl_->local_ip));
  cer.avps.push_back(std::move(host_ip));
  cer.avps.push_back(d::make_u32(d::avp::kVendorId, 0));
  cer.avps.push_back(d::make_str(d::avp::kProductName, kProductName, 0, false));
  cer.avps.push_back(d::make_u32(d::avp::kSupportedVendorId, d::kVendor3gpp));
  for (std::uint32_t app : {d::app::kZh, d::app::kZpn, d::app::kZn}) cer.avps.push_back(vendor_app(app));
  PROSE_TRY(d::Message cea, c->transact(std::move(cer)));
  Status st = c->check_result(cea, "CER");
  if (!st.ok()) return fail(Errc::kDenied, "capabilities exchange refused: " + st.error().message);
  c->impl_->open = true;
  return c;
}

d::Message HssClient::mar_request(const ClientConfig& cfg, std::string_view imsi,
                                  const std::optional<Bytes>& rand_auts) {
  d::Message req = new_request(cfg, d::cmd::kMultimediaAuth, d::app::kZh, true);
  req.avps.push_back(d::make_str(d::avp::kUserName, imsi));
  req.avps.push_back(d::make_u32(d::avp::kSipNumberAuthItems, 1, d::kVendor3gpp));
  std::vector<d::Avp> item = {d::make_str(d::avp::kSipAuthenticationScheme, d::kAkaScheme, d::kVendor3gpp)};
  if (rand_auts) item.push_back(d::make_avp(d::avp::kSipAuthorization, *rand_auts, d::kVendor3gpp));
  req.avps.push_back(d::make_grouped(d::avp::kSipAuthDataItem, item, d::kVendor3gpp));
  return req;
}

Result<crypto::AuthVector> HssClient::maa_vector(const d::Message& ans) {
  const d::Avp* it = d::find(ans.avps, d::avp::kSipAuthDataItem, d::kVendor3gpp);
  if (!it) return fail(Errc::kMalformed, "MAA without SIP-Auth-Data-Item");
  PROSE_TRY(auto inner, d::as_grouped(*it));
  const d::Avp* authn = d::find(inner, d::avp::kSipAuthenticate, d::kVendor3gpp);
  const d::Avp* xres = d::find(inner, d::avp::kSipAuthorization, d::kVendor3gpp);
  const d::Avp* ck = d::find(inner, d::avp::kConfidentialityKey, d::kVendor3gpp);
  const d::Avp* ik = d::find(inner, d::avp::kIntegrityKey, d::kVendor3gpp);
  if (!authn || !xres || !ck || !ik) return fail(Errc::kMalformed, "MAA SIP-Auth-Data-Item incomplete");
  if (authn->data.size() != 32 || ck->data.size() != 16 || ik->data.size() != 16 || xres->data.size() < 4 ||
      xres->data.size() > 16) {
    return fail(Errc::kMalformed, "MAA SIP-Auth-Data-Item field of the wrong size");
  }
  crypto::AuthVector av;
  av.rand.assign(authn->data.begin(), authn->data.begin() + 16);
  av.autn.assign(authn->data.begin() + 16, authn->data.end());
  av.xres = xres->data;
  av.ck = SecretBytes(ck->data);
  av.ik = SecretBytes(ik->data);
  return av;
}

Result<crypto::AuthVector> HssClient::mar(std::string_view imsi, std::optional<Bytes> rand_auts) {
  std::lock_guard lock(mu_);
  PROSE_TRY(d::Message ans, transact(mar_request(impl_->cfg, imsi, rand_auts)));
  PROSE_TRY_STATUS(check_result(ans, rand_auts ? "MAR (resync)" : "MAR"));
  return maa_vector(ans);
}

Result<crypto::AuthVector> HssClient::get_auth_vector(std::string_view imsi) { return mar(imsi, std::nullopt); }

Result<crypto::AuthVector> HssClient::resync(std::string_view imsi, ByteView rand, ByteView auts) {
  if (rand.size() != 16) return fail(Errc::kInvalidArgument, "RAND must be 16 octets");
  if (auts.size() != crypto::kAutsSize) return fail(Errc::kInvalidArgument, "AUTS must be 14 octets");
  return mar(imsi, concat({rand, auts}));
}

d::Message HssClient::gpr_request(const ClientConfig& cfg, std::string_view imsi, std::string_view impi,
                                  ByteView naf_id, std::uint64_t pruk_id, std::uint32_t lifetime_s, std::int64_t now) {
  d::Message req = new_request(cfg, d::cmd::kGbaPushInfo, d::app::kZpn, true);
  if (!imsi.empty()) req.avps.push_back(d::make_str(d::avp::kUserName, imsi));
  req.avps.push_back(d::make_str(d::avp::kUeId, impi, d::kVendor3gpp));
  req.avps.push_back(d::make_u32(d::avp::kUeIdType, d::kUeIdTypePrivate, d::kVendor3gpp));
  req.avps.push_back(d::make_avp(d::avp::kNafId, naf_id, d::kVendor3gpp));
  req.avps.push_back(d::make_u32(d::avp::kUiccMe, d::kUiccMeGbaMe, d::kVendor3gpp));
  req.avps.push_back(d::make_u32(d::avp::kRequestedKeyLifetime, d::unix_to_ntp(now + lifetime_s), d::kVendor3gpp));
  if (pruk_id != 0) req.avps.push_back(d::make_u64(d::avp::kNafSaIdentifier, pruk_id, d::kVendor3gpp));
  return req;
}

Result<GpiResponse> HssClient::gpa_response(const d::Message& ans, std::uint64_t pruk_id, std::int64_t now) {
  const d::Avp* gpi = d::find(ans.avps, d::avp::kGbaPushInfo, d::kVendor3gpp);
  const d::Avp* key = d::find(ans.avps, d::avp::kMeKeyMaterial, d::kVendor3gpp);
  const d::Avp* ptid = d::find(ans.avps, d::avp::kNafSaIdentifier, d::kVendor3gpp);
  const d::Avp* exp = d::find(ans.avps, d::avp::kKeyExpiryTime, d::kVendor3gpp);
  if (!gpi || !key || !ptid || !exp) return fail(Errc::kMalformed, "GPA without GBA-Push-Info/ME-Key-Material/P-TID");
  if (key->data.size() != 32) return fail(Errc::kMalformed, "GPA ME-Key-Material must be 32 octets");
  GpiResponse r;
  r.gpi = gpi->data;
  PROSE_TRY(r.pruk_id, d::as_u64(*ptid));
  if (pruk_id != 0 && r.pruk_id != pruk_id) return fail(Errc::kMalformed, "GPA P-TID differs from the request");
  PROSE_TRY(std::uint32_t expiry, d::as_u32(*exp));
  const std::int64_t left = d::ntp_to_unix(expiry) - now;
  r.lifetime = left > 0 ? static_cast<std::uint32_t>(left) : 0;
  r.pruk = SecretBytes(key->data);
  return r;
}

Result<GpiResponse> HssClient::get_gpi(std::string_view imsi, std::string_view impi, ByteView naf_id,
                                       std::uint64_t pruk_id, std::uint32_t lifetime_s) {
  if (lifetime_s == 0) return fail(Errc::kInvalidArgument, "lifetime must be non-zero");
  std::lock_guard lock(mu_);
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  PROSE_TRY(d::Message ans, transact(gpr_request(impl_->cfg, imsi, impi, naf_id, pruk_id, lifetime_s, now)));
  PROSE_TRY_STATUS(check_result(ans, "GPR"));
  return gpa_response(ans, pruk_id, now);
}

Result<ZnKey> HssClient::get_naf_key(std::string_view btid, ByteView naf_id) {
  std::lock_guard lock(mu_);
  PROSE_TRY(d::Message ans, transact(bir_request(impl_->cfg, btid, naf_id)));
  PROSE_TRY_STATUS(check_result(ans, "BIR"));
  return bia_key(ans);
}

Status HssClient::watchdog() {
  std::lock_guard lock(mu_);
  PROSE_TRY(d::Message ans, transact(new_request(impl_->cfg, d::cmd::kDeviceWatchdog, d::app::kCommon, false)));
  return check_result(ans, "DWR");
}

Status HssClient::disconnect() {
  std::lock_guard lock(mu_);
  d::Message dpr = new_request(impl_->cfg, d::cmd::kDisconnectPeer, d::app::kCommon, false);
  dpr.avps.push_back(d::make_u32(d::avp::kDisconnectCause, d::kDisconnectRebooting));
  auto ans = transact(std::move(dpr));
  impl_->stop();  // the initiator of the DPR closes the connection on the DPA (RFC 6733 5.4)
  if (!ans.ok()) return ans.error();
  return check_result(*ans, "DPR");
}

}  // namespace prose::diameter
