#include "prose/agents/gba_ue.h"

#include "prose/agents/trace.h"
#include "prose/gba/ua_ids.h"
#include "prose/keys/prose_keys.h"
#include "prose/util/hex.h"

namespace prose::agents {

Result<std::unique_ptr<GbaUe>> GbaUe::create(std::string name, const GbaClientConfig& config,
                                             std::shared_ptr<crypto::Usim> usim) {
  if (!usim) return fail(Errc::kInvalidArgument, "gba: no USIM");
  if (config.impi.empty()) return fail(Errc::kInvalidArgument, "gba: empty IMPI");
  auto url = gba::parse_http_url(config.bsf_url);
  if (!url.ok()) return fail(Errc::kInvalidArgument, "gba.bsf: " + url.error().message);
  return std::unique_ptr<GbaUe>(new GbaUe(std::move(name), config.impi, std::move(*url), std::move(usim)));
}

GbaUe::GbaUe(std::string name, std::string impi, gba::HttpUrl bsf, std::shared_ptr<crypto::Usim> usim)
    : name_(std::move(name)),
      impi_(std::move(impi)),
      bsf_(std::move(bsf)),
      usim_(std::move(usim)),
      cache_([this](std::int64_t now) { return bootstrap(now); }) {}

// Under the cache's lock: one run at a time, its lines together.
Result<gba::BootstrapResult> GbaUe::bootstrap(std::int64_t now) {
  flush_lines();  // the lines that led here are out before the (possibly slow) Ub exchange
  auto r = gba::run_bootstrap(*usim_, impi_, bsf_, now);
  if (!r.ok()) {
    msc(name_, "BSF", "Ub bootstrapping failed: " + r.error().to_string());
    return r;
  }
  // run_bootstrap ran the whole exchange (TS 24.109 4.4): the lines tell what it consisted of.
  msc(name_, "BSF", "Ub GET (Authorization: Digest username=" + impi_ + ", empty response) [TS 24.109 4.4.2]");
  msc("BSF", name_, "Ub 401 Unauthorized (WWW-Authenticate: Digest AKAv1-MD5 nonce=RAND||AUTN)");
  if (r->resynchronised) {
    msc(name_, "BSF",
        "Ub GET (Authorization: Digest with auts: SQN out of range, resynchronisation) [TS 24.109 4.4.3]");
    msc("BSF", name_, "Ub 401 Unauthorized (fresh AKA challenge after resynchronisation)");
  }
  msc(name_, "BSF", "Ub GET (Authorization: Digest AKAv1-MD5 response with RES)");
  const std::string& btid = r->session.btid;
  const std::string until = gba::format_utc(r->session.expires);
  msc("BSF", name_, "Ub 200 OK (B-TID " + btid + ", key lifetime " + until + ")");
  evt("gba", "bootstrapped as " + impi_ + ": B-TID " + btid + " until " + until +
                 (last_btid_.empty() ? "" : " (replaces " + last_btid_ + ")"));
  last_btid_ = btid;
  return r;
}

void GbaUe::configure(net::TlsClientSettings& tls, const std::string& naf_fqdn) {
  tls.cert_file.clear();
  tls.key_file.clear();
  tls.min_version = tls.max_version = net::TlsVersion::kTls13;
  tls.psk = [this, naf_id = keys::make_naf_id(naf_fqdn, gba::kUaTls13)](
                std::string_view) -> std::optional<net::PskClientCredential> {
    auto c = cache_.credential(naf_id);
    if (!c.ok()) return std::nullopt;
    return net::PskClientCredential{std::move(c->btid), std::move(c->key)};
  };
}

Status GbaUe::ensure() {
  auto r = cache_.ensure();
  if (r.ok()) return {};
  evt("error", "GBA bootstrapping with the BSF at http://" + bsf_.host + ":" + std::to_string(bsf_.port) +
                   " failed: " + r.error().to_string());
  return fail(r.error().code == Errc::kAuthFailed ? Errc::kAuthFailed : Errc::kIo,
              "GBA bootstrapping failed: " + r.error().to_string());
}

bool GbaUe::handshake_failed(const Error& e) { return e.code == Errc::kIo && e.message.rfind("TLS handshake", 0) == 0; }

void GbaUe::note_refused(const std::string& btid, const Error& e) {
  evt("gba", "the NAF refused B-TID " + btid + " (" + e.message + "): bootstrapping again");
}

}  // namespace prose::agents
