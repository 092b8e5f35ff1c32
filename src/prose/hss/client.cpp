#include "prose/hss/client.h"

#include <boost/asio.hpp>
#include <ctime>

#include "prose/hss/service.h"
#include "prose/util/random.h"

namespace prose::hss {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
namespace d = prose::diameter;

struct HssClient::Impl {
  ClientConfig cfg;
  asio::io_context io;
  tcp::socket socket{io};
  Bytes inbuf;
  std::uint32_t next_hbh = random_u32();
  std::uint32_t next_e2e = (static_cast<std::uint32_t>(std::time(nullptr)) << 20) | (random_u32() & 0xfffff);
  std::uint64_t session_counter = 0;
  std::uint32_t session_high = random_u32();

  // Runs the io_context until `done` or the timeout; cancels on timeout.
  Status wait(bool& done, const char* what) {
    io.restart();
    io.run_for(cfg.timeout);
    if (!done) {
      boost::system::error_code ec;
      socket.cancel(ec);
      io.restart();
      io.run();
      return fail(Errc::kTimeout,
                  std::string(what) + ": no answer within " + std::to_string(cfg.timeout.count()) + " ms");
    }
    return ok_status();
  }

  Status write(const Bytes& data) {
    bool done = false;
    boost::system::error_code err;
    asio::async_write(socket, asio::buffer(data), [&](boost::system::error_code ec, std::size_t) {
      err = ec;
      done = true;
    });
    PROSE_TRY_STATUS(wait(done, "send"));
    if (err) return fail(Errc::kIo, "send: " + err.message());
    return ok_status();
  }

  // Reads one whole message.
  Result<d::Message> read_message() {
    for (;;) {
      PROSE_TRY(auto len, d::frame_length(inbuf));
      if (len && inbuf.size() >= *len) {
        Bytes raw(inbuf.begin(), inbuf.begin() + static_cast<std::ptrdiff_t>(*len));
        inbuf.erase(inbuf.begin(), inbuf.begin() + static_cast<std::ptrdiff_t>(*len));
        return d::decode(raw);
      }
      std::array<std::uint8_t, 8192> buf{};
      bool done = false;
      boost::system::error_code err;
      std::size_t got = 0;
      socket.async_read_some(asio::buffer(buf), [&](boost::system::error_code ec, std::size_t n) {
        err = ec;
        got = n;
        done = true;
      });
      PROSE_TRY_STATUS(wait(done, "receive"));
      if (err) return fail(Errc::kIo, "receive: " + err.message());
      inbuf.insert(inbuf.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(got));
    }
  }
};

HssClient::HssClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HssClient::~HssClient() {
  boost::system::error_code ec;
  impl_->socket.close(ec);
}

d::Message HssClient::new_request(std::uint32_t command, std::uint32_t app, bool with_session) {
  d::Message m;
  m.flags = d::kFlagRequest | (app != d::app::kCommon ? d::kFlagProxiable : 0);
  m.command_code = command;
  m.application_id = app;
  if (with_session) {
    m.avps.push_back(d::make_str(d::avp::kSessionId, impl_->cfg.origin_host + ";" +
                                                         std::to_string(impl_->session_high) + ";" +
                                                         std::to_string(++impl_->session_counter)));
  }
  if (app != d::app::kCommon) {
    m.avps.push_back(d::make_grouped(
        d::avp::kVendorSpecificApplicationId,
        {d::make_u32(d::avp::kVendorId, d::kVendor3gpp), d::make_u32(d::avp::kAuthApplicationId, app)}));
    m.avps.push_back(d::make_u32(d::avp::kAuthSessionState, d::kNoStateMaintained));
  }
  m.avps.push_back(d::make_str(d::avp::kOriginHost, impl_->cfg.origin_host));
  m.avps.push_back(d::make_str(d::avp::kOriginRealm, impl_->cfg.origin_realm));
  if (app != d::app::kCommon) m.avps.push_back(d::make_str(d::avp::kDestinationRealm, impl_->cfg.destination_realm));
  return m;
}

Result<d::Message> HssClient::transact(d::Message req) {
  req.hop_by_hop = impl_->next_hbh++;
  req.end_to_end = impl_->next_e2e++;
  PROSE_TRY(Bytes raw, d::encode(req));
  PROSE_TRY_STATUS(impl_->write(raw));
  for (;;) {
    PROSE_TRY(d::Message ans, impl_->read_message());
    if (ans.is_request()) {
      // The peer may probe us with DWR; answer it and keep waiting.
      if (ans.command_code == d::cmd::kDeviceWatchdog) {
        d::Message dwa;
        dwa.command_code = d::cmd::kDeviceWatchdog;
        dwa.hop_by_hop = ans.hop_by_hop;
        dwa.end_to_end = ans.end_to_end;
        dwa.avps = {d::make_u32(d::avp::kResultCode, d::rc::kSuccess),
                    d::make_str(d::avp::kOriginHost, impl_->cfg.origin_host),
                    d::make_str(d::avp::kOriginRealm, impl_->cfg.origin_realm)};
        PROSE_TRY(Bytes out, d::encode(dwa));
        PROSE_TRY_STATUS(impl_->write(out));
      }
      continue;
    }
    if (ans.hop_by_hop != req.hop_by_hop || ans.end_to_end != req.end_to_end) continue;  // stale answer
    if (ans.command_code != req.command_code) {
      return fail(Errc::kMalformed, "answer command " + std::to_string(ans.command_code) + " does not match request");
    }
    return ans;
  }
}

Status HssClient::check_result(const d::Message& ans, std::string_view what) {
  std::string err;
  if (const d::Avp* e = d::find(ans.avps, d::avp::kErrorMessage)) err = " (" + d::as_string(*e) + ")";
  if (const d::Avp* rc = d::find(ans.avps, d::avp::kResultCode)) {
    PROSE_TRY(std::uint32_t code, d::as_u32(*rc));
    last_ = {code, false};
    if (code == d::rc::kSuccess) return ok_status();
    const std::string msg = std::string(what) + ": Result-Code " + std::to_string(code) + err;
    if (code == d::rc::kAuthenticationRejected) return fail(Errc::kAuthFailed, msg);
    if (code == d::rc::kInvalidAvpValue || code == d::rc::kMissingAvp) return fail(Errc::kInvalidArgument, msg);
    return fail(Errc::kIo, msg);
  }
  if (const d::Avp* er = d::find(ans.avps, d::avp::kExperimentalResult)) {
    PROSE_TRY(auto inner, d::as_grouped(*er));
    const d::Avp* c = d::find(inner, d::avp::kExperimentalResultCode);
    if (!c) return fail(Errc::kMalformed, std::string(what) + ": Experimental-Result without a code");
    PROSE_TRY(std::uint32_t code, d::as_u32(*c));
    last_ = {code, true};
    const std::string msg = std::string(what) + ": Experimental-Result-Code " + std::to_string(code) + err;
    if (code == d::rc::kErrorUserUnknown || code == d::rc::kErrorIdentityUnknown) {
      return fail(Errc::kNotFound, msg + " (unknown user)");
    }
    if (code == d::rc::kErrorNotAuthorized) return fail(Errc::kDenied, msg + " (not authorised)");
    return fail(Errc::kIo, msg);
  }
  return fail(Errc::kMalformed, std::string(what) + ": answer without Result-Code");
}

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
  PROSE_TRY_STATUS(impl->wait(done, "connect"));
  if (cerr) {
    return fail(Errc::kIo, "connect to " + config.host + ":" + std::to_string(config.port) + ": " + cerr.message());
  }
  impl->socket.set_option(tcp::no_delay(true), ec);
  std::unique_ptr<HssClient> c(new HssClient(std::move(impl)));
  d::Message cer = c->new_request(d::cmd::kCapabilitiesExchange, d::app::kCommon, false);
  cer.avps.push_back(d::make_ipv4(d::avp::kHostIpAddress, 0x7f000001));
  cer.avps.push_back(d::make_u32(d::avp::kVendorId, 0));
  cer.avps.push_back(d::make_str(d::avp::kProductName, "prose-pkmf", 0, false));
  cer.avps.push_back(d::make_u32(d::avp::kSupportedVendorId, d::kVendor3gpp));
  for (std::uint32_t app : {d::app::kZh, d::app::kZpn}) {
    cer.avps.push_back(d::make_grouped(
        d::avp::kVendorSpecificApplicationId,
        {d::make_u32(d::avp::kVendorId, d::kVendor3gpp), d::make_u32(d::avp::kAuthApplicationId, app)}));
  }
  PROSE_TRY(d::Message cea, c->transact(std::move(cer)));
  Status st = c->check_result(cea, "CER");
  if (!st.ok()) return fail(Errc::kDenied, "capabilities exchange refused: " + st.error().message);
  return c;
}

Result<crypto::AuthVector> HssClient::mar(std::string_view imsi, std::optional<Bytes> rand_auts) {
  std::lock_guard lock(mu_);
  d::Message req = new_request(d::cmd::kMultimediaAuth, d::app::kZh, true);
  req.avps.push_back(d::make_str(d::avp::kUserName, imsi));
  req.avps.push_back(d::make_u32(d::avp::kSipNumberAuthItems, 1, d::kVendor3gpp));
  std::vector<d::Avp> item = {d::make_str(d::avp::kSipAuthenticationScheme, d::kAkaScheme, d::kVendor3gpp)};
  if (rand_auts) item.push_back(d::make_avp(d::avp::kSipAuthorization, *rand_auts, d::kVendor3gpp));
  req.avps.push_back(d::make_grouped(d::avp::kSipAuthDataItem, item, d::kVendor3gpp));
  PROSE_TRY(d::Message ans, transact(std::move(req)));
  PROSE_TRY_STATUS(check_result(ans, rand_auts ? "MAR (resync)" : "MAR"));
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

Result<crypto::AuthVector> HssClient::get_auth_vector(std::string_view imsi) { return mar(imsi, std::nullopt); }

Result<crypto::AuthVector> HssClient::resync(std::string_view imsi, ByteView rand, ByteView auts) {
  if (rand.size() != 16) return fail(Errc::kInvalidArgument, "RAND must be 16 octets");
  if (auts.size() != crypto::kAutsSize) return fail(Errc::kInvalidArgument, "AUTS must be 14 octets");
  return mar(imsi, concat({rand, auts}));
}

Result<GpiResponse> HssClient::get_gpi(std::string_view imsi, std::string_view impi, ByteView naf_id,
                                       std::uint64_t pruk_id, std::uint32_t lifetime_s) {
  if (lifetime_s == 0) return fail(Errc::kInvalidArgument, "lifetime must be non-zero");
  std::lock_guard lock(mu_);
  d::Message req = new_request(d::cmd::kGbaPushInfo, d::app::kZpn, true);
  if (!imsi.empty()) req.avps.push_back(d::make_str(d::avp::kUserName, imsi));
  req.avps.push_back(d::make_str(d::avp::kUeId, impi, d::kVendor3gpp));
  req.avps.push_back(d::make_u32(d::avp::kUeIdType, d::kUeIdTypePrivate, d::kVendor3gpp));
  req.avps.push_back(d::make_avp(d::avp::kNafId, naf_id, d::kVendor3gpp));
  req.avps.push_back(d::make_u32(d::avp::kUiccMe, d::kUiccMeGbaMe, d::kVendor3gpp));
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  req.avps.push_back(d::make_u32(d::avp::kRequestedKeyLifetime, unix_to_ntp(now + lifetime_s), d::kVendor3gpp));
  if (pruk_id != 0) req.avps.push_back(d::make_u64(d::avp::kNafSaIdentifier, pruk_id, d::kVendor3gpp));
  PROSE_TRY(d::Message ans, transact(std::move(req)));
  PROSE_TRY_STATUS(check_result(ans, "GPR"));
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
  const std::int64_t left = ntp_to_unix(expiry) - now;
  r.lifetime = left > 0 ? static_cast<std::uint32_t>(left) : 0;
  r.pruk = SecretBytes(key->data);
  return r;
}

Status HssClient::watchdog() {
  std::lock_guard lock(mu_);
  PROSE_TRY(d::Message ans, transact(new_request(d::cmd::kDeviceWatchdog, d::app::kCommon, false)));
  return check_result(ans, "DWR");
}

Status HssClient::disconnect() {
  std::lock_guard lock(mu_);
  d::Message dpr = new_request(d::cmd::kDisconnectPeer, d::app::kCommon, false);
  dpr.avps.push_back(d::make_u32(d::avp::kDisconnectCause, 0));  // REBOOTING (RFC 6733 5.4.3)
  PROSE_TRY(d::Message ans, transact(std::move(dpr)));
  Status st = check_result(ans, "DPR");
  boost::system::error_code ec;
  impl_->socket.shutdown(tcp::socket::shutdown_both, ec);
  impl_->socket.close(ec);
  return st;
}

}  // namespace prose::hss
