#include "prose/gba_naf/naf_keys.h"

#include <ctime>

#include "prose/gba/ua_ids.h"
#include "prose/keys/prose_keys.h"
#include "prose/util/hex.h"

namespace prose::gba_naf {

Bytes naf_id_for(std::string_view naf_fqdn, const net::PskContext& ctx) {
  const gba::UaId ua = ctx.version == net::TlsVersion::kTls13 ? gba::kUaTls13 : gba::ua_id_tls12(ctx.cipher_suite);
  return keys::make_naf_id(naf_fqdn, ua);
}

NafKeys::NafKeys(std::string naf_fqdn, Fetch fetch, Clock clock, std::size_t max_entries)
    : fqdn_(std::move(naf_fqdn)), fetch_(std::move(fetch)), clock_(std::move(clock)), max_(max_entries) {
  if (!clock_) clock_ = [] { return static_cast<std::int64_t>(std::time(nullptr)); };
}

Result<net::PskGrant> NafKeys::lookup(std::string_view psk_identity, const net::PskContext& ctx) {
  std::string_view btid = psk_identity;
  if (btid.starts_with(kIdentityPrefix)) btid.remove_prefix(kIdentityPrefix.size());
  if (btid.empty()) return fail(Errc::kInvalidArgument, "empty B-TID");
  if (ctx.version == net::TlsVersion::kTls12 && ctx.cipher_suite == 0)
    return fail(Errc::kInternal, "TLS 1.2 PSK lookup without a cipher suite");
  const Bytes naf_id = naf_id_for(fqdn_, ctx);
  const std::string key = std::string(btid) + "#" + to_hex(naf_id);
  const std::int64_t now = clock_();
  std::optional<diameter::ZnKey> found;
  {
    std::lock_guard lock(mu_);
    std::erase_if(cache_, [now](const auto& kv) { return kv.second.expires <= now; });
    if (auto it = cache_.find(key); it != cache_.end())
      found = diameter::ZnKey{it->second.impi, it->second.ks_naf.clone(), it->second.expires, it->second.created};
  }
  if (!found) {
    PROSE_TRY(diameter::ZnKey z, fetch_(btid, naf_id));
    if (z.expires <= now) return fail(Errc::kNotFound, "the BSF returned an expired key for this B-TID");
    found = diameter::ZnKey{z.impi, z.ks_naf.clone(), z.expires, z.created};
    std::lock_guard lock(mu_);
    if (cache_.size() < max_) cache_.insert_or_assign(key, std::move(z));
  }
  const auto at = found->impi.find('@');
  const std::string imsi = found->impi.substr(0, at);
  auto peer = net::PeerIdentity::ue(imsi);
  if (at == std::string::npos || !peer.ok())
    return fail(Errc::kDenied, "the IMPI the BSF returned does not start with an IMSI");
  if (auto it = relays_.find(imsi); it != relays_.end()) {
    peer = net::PeerIdentity::relay(it->second);
    if (!peer.ok()) return fail(Errc::kDenied, "relay id " + it->second + " for IMSI " + imsi + ": not a relay id");
  }
  return net::PskGrant{std::move(found->ks_naf), std::move(*peer)};
}

net::PskServerGrantCallback NafKeys::callback(std::function<void(const std::string&)> log) {
  return [this, log = std::move(log)](std::string_view identity,
                                      const net::PskContext& ctx) -> std::optional<net::PskGrant> {
    auto g = lookup(identity, ctx);
    if (!g.ok()) {
      if (log) log("gba: PSK identity " + std::string(identity) + " refused: " + g.error().to_string());
      return std::nullopt;
    }
    return std::move(*g);
  };
}

std::size_t NafKeys::cached() {
  std::lock_guard lock(mu_);
  return cache_.size();
}

NafKeys::Fetch zn_fetch(diameter::ClientConfig config) {
  struct State {
    diameter::ClientConfig cfg;
    std::mutex mu;
    std::unique_ptr<diameter::HssClient> client;
  };
  auto st = std::make_shared<State>();
  st->cfg = std::move(config);
  return [st](std::string_view btid, ByteView naf_id) -> Result<diameter::ZnKey> {
    std::lock_guard lock(st->mu);
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!st->client || !st->client->alive()) {
        auto c = diameter::HssClient::connect(st->cfg);
        if (!c.ok()) return fail(c.error().code, "Zn: cannot reach the BSF: " + c.error().message);
        st->client = std::move(*c);
      }
      auto k = st->client->get_naf_key(btid, naf_id);
      if (k.ok() || k.error().code != Errc::kIo) return k;
      st->client.reset();  // transport failed: reconnect once
    }
    return fail(Errc::kIo, "Zn: the BSF connection failed twice");
  };
}

}  // namespace prose::gba_naf
