#include "prose/hss/ub_service.h"

#include "prose/crypto/milenage.h"
#include "prose/gba/base64.h"
#include "prose/gba/digest_aka.h"
#include "prose/util/ct.h"
#include "prose/util/random.h"

namespace prose::hss {

namespace {

net::HttpResponse text(int status, std::string_view reason) { return net::make_error_response(status, reason); }

}  // namespace

Result<std::string> imsi_of_impi(std::string_view impi) {
  const auto at = impi.find('@');
  if (at == std::string_view::npos || at + 1 >= impi.size())
    return fail(Errc::kInvalidArgument, "IMPI must be <IMSI>@<domain> (TS 23.003 13.3)");
  std::string imsi(impi.substr(0, at));
  if (!validate_imsi(imsi).ok()) return fail(Errc::kInvalidArgument, "IMPI does not start with an IMSI");
  return imsi;
}

UbService::UbService(UbConfig config, SubscriberStore& store, gba::BootstrapSessions& sessions)
    : config_(std::move(config)), store_(store), sessions_(sessions) {}

net::HttpResponse UbService::challenge(const std::string& impi, std::int64_t now, bool stale, std::string& log) {
  auto imsi = imsi_of_impi(impi);
  if (!imsi.ok()) {
    log += " -> 400 " + imsi.error().message;
    return text(400, imsi.error().message);
  }
  auto sub = store_.allocate_sqn(*imsi);
  if (!sub.ok()) {
    if (sub.error().code == Errc::kNotFound) {
      log += " -> 403 unknown subscriber";
      return text(403, "unknown subscriber");
    }
    log += " -> 500 " + sub.error().to_string();
    return text(500, "subscriber store failure");
  }
  auto av = crypto::make_auth_vector(sub->k.view(), sub->opc.view(), random_bytes(16), sub->sqn, sub->amf);
  if (!av.ok()) {
    log += " -> 500 " + av.error().to_string();
    return text(500, "cannot compute an authentication vector");
  }
  gba::DigestChallenge ch;
  ch.realm = config_.bsf_host;
  ch.nonce = gba::make_aka_nonce(av->rand, av->autn);
  ch.opaque = gba::base64_encode(random_bytes(12));
  {
    std::lock_guard lock(mu_);
    std::erase_if(pending_, [now](const auto& kv) { return kv.second.expires <= now; });
    if (pending_.size() >= config_.max_pending) {
      log += " -> 503 too many outstanding challenges";
      return text(503, "too many outstanding challenges");
    }
    pending_[ch.nonce] = Pending{impi, av->rand, av->xres, SecretBytes(concat({av->ck.view(), av->ik.view()})),
                                 now + config_.challenge_lifetime};
  }
  net::HttpResponse r = text(401, "authentication required");
  std::string value = gba::format_challenge(ch);
  if (stale) value += ", stale=TRUE";
  r.headers.emplace_back("WWW-Authenticate", value);
  log += " sqn=" + std::to_string(sub->sqn) + " -> 401 challenge";
  return r;
}

net::HttpResponse UbService::handle(const net::HttpRequest& req, std::int64_t now, std::string& log) {
  log = "Ub " + req.method + " " + req.target;
  if (req.method != "GET") {
    log += " -> 405";
    net::HttpResponse r = text(405, "Ub takes GET");
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  const std::string_view authz = req.header("Authorization");
  if (authz.empty()) {
    log += " -> 400 no Authorization";
    return text(400, "Authorization: Digest username=\"<IMPI>\" is required (TS 24.109 4.4.2)");
  }
  auto cred = gba::parse_credentials(authz);
  if (!cred.ok()) {
    log += " -> 400 " + cred.error().message;
    return text(400, cred.error().message);
  }
  log += " impi=" + cred->username;
  if (cred->response.empty() && !cred->auts) return challenge(cred->username, now, false, log);

  Pending p;
  bool stale = false;
  {
    std::lock_guard lock(mu_);
    auto it = pending_.find(cred->nonce);
    if (it == pending_.end() || it->second.expires <= now || it->second.impi != cred->username) {
      if (it != pending_.end() && it->second.expires <= now) pending_.erase(it);
      stale = true;
    } else {
      p = std::move(it->second);
      pending_.erase(it);  // a nonce is answered once
    }
  }
  if (stale) {
    log += " unknown or stale nonce";
    return challenge(cred->username, now, true, log);
  }
  if (cred->auts) {
    auto auts = gba::base64_decode(*cred->auts);
    if (!auts.ok() || auts->size() != crypto::kAutsSize) {
      log += " -> 400 bad auts";
      return text(400, "auts must be base64 of the 14-octet AUTS");
    }
    auto imsi = imsi_of_impi(cred->username);
    if (!imsi.ok()) return text(400, imsi.error().message);
    auto rs = store_.resync(*imsi, p.rand, *auts);
    if (!rs.ok()) {
      if (rs.error().code == Errc::kAuthFailed) {
        log += " -> 403 AUTS MAC-S failure";
        return text(403, "AUTS verification failed");
      }
      log += " -> 500 " + rs.error().to_string();
      return text(500, "resynchronisation failed");
    }
    log += " resync sqn_ms=" + std::to_string(rs->sqn_ms);
    return challenge(cred->username, now, false, log);
  }
  if (cred->qop != gba::kQopAuthInt || cred->realm != config_.bsf_host) {
    log += " -> 400 qop/realm";
    return text(400, "Digest response must use qop=auth-int and the BSF realm");
  }
  const std::string expected = gba::digest_response(*cred, p.xres, req.method, req.body);
  if (!ct_equal(ByteView(reinterpret_cast<const std::uint8_t*>(expected.data()), expected.size()),
                ByteView(reinterpret_cast<const std::uint8_t*>(cred->response.data()), cred->response.size()))) {
    log += " -> 403 wrong RES";
    return text(403, "authentication failed");
  }
  auto btid = gba::make_btid(p.rand, config_.bsf_host);
  if (!btid.ok()) return text(500, btid.error().message);
  gba::BootstrapSession s{*btid, p.impi, p.rand, p.ks.clone(), now, now + config_.key_lifetime};
  if (auto st = sessions_.put(std::move(s), now); !st.ok()) {
    log += " -> 503 " + st.error().message;
    return text(503, st.error().message);
  }
  std::string body = gba::encode_bootstrapping_info({*btid, now + config_.key_lifetime});
  net::HttpResponse r = net::make_response(200, std::string(gba::kBsfContentType), body);
  r.headers.emplace_back("Authentication-Info", "qop=" + cred->qop + ", rspauth=\"" +
                                                    gba::digest_rspauth(*cred, p.xres, body) + "\", cnonce=\"" +
                                                    cred->cnonce + "\", nc=" + cred->nc);
  r.headers.emplace_back("Expires", gba::format_utc(now + config_.key_lifetime));
  log += " -> 200 btid=" + *btid + " lifetime=" + std::to_string(config_.key_lifetime);
  return r;
}

}  // namespace prose::hss
