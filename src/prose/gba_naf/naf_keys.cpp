#include "prose/gba_naf/naf_keys.h"

#include <ctime>
#include <system_error>
#include <thread>

#include "prose/gba/ua_ids.h"
#include "prose/keys/prose_keys.h"
#include "prose/util/hex.h"

namespace prose::gba_naf {

namespace {

diameter::ZnKey copy_of(const diameter::ZnKey& z) { return {z.impi, z.ks_naf.clone(), z.expires, z.created}; }

}  // namespace

Bytes naf_id_for(std::string_view naf_fqdn, const net::PskContext& ctx) {
  const gba::UaId ua = ctx.version == net::TlsVersion::kTls13 ? gba::kUaTls13 : gba::ua_id_tls12(ctx.cipher_suite);
  return keys::make_naf_id(naf_fqdn, ua);
}

NafKeys::NafKeys(std::string naf_fqdn, Fetch fetch, Clock clock, std::size_t max_entries)
    : NafKeys(std::move(naf_fqdn), std::move(fetch), std::move(clock), max_entries, Options{}) {}

NafKeys::NafKeys(std::string naf_fqdn, Fetch fetch, Clock clock, std::size_t max_entries, Options options)
    : fqdn_(std::move(naf_fqdn)), fetch_(std::move(fetch)), clock_(std::move(clock)), max_(max_entries), opt_(options) {
  if (!clock_) clock_ = [] { return static_cast<std::int64_t>(std::time(nullptr)); };
  if (opt_.max_fetches == 0) opt_.max_fetches = 1;
}

NafKeys::~NafKeys() {
  std::unique_lock lock(st_->mu);
  st_->cv.wait(lock, [this] { return st_->running == 0; });
}

Result<diameter::ZnKey> NafKeys::answer(const Entry& e) {
  if (e.key) return copy_of(*e.key);
  return fail(e.error);
}

Result<diameter::ZnKey> NafKeys::key_for(std::string_view btid, const Bytes& naf_id) {
  const std::string key = std::string(btid) + "#" + to_hex(naf_id);
  const std::int64_t now = clock_();
  std::unique_lock lock(st_->mu);
  std::erase_if(st_->cache, [now](const auto& kv) { return kv.second.expires <= now; });
  if (auto it = st_->cache.find(key); it != st_->cache.end()) return answer(it->second);
  std::shared_ptr<Flight> flight;
  if (auto it = st_->flights.find(key); it != st_->flights.end()) {
    flight = it->second;  // another handshake already asked the BSF for this key: wait for the same answer
  } else {
    if (st_->running >= opt_.max_fetches)
      return fail(Errc::kTimeout, "Zn: " + std::to_string(st_->running) + " B-TID lookups already waiting for the BSF");
    flight = std::make_shared<Flight>();
    try {
      std::thread(&NafKeys::run_fetch, this, key, std::string(btid), naf_id, flight).detach();
    } catch (const std::system_error& e) {
      return fail(Errc::kInternal, std::string("Zn: cannot start a lookup thread: ") + e.what());
    }
    st_->flights.emplace(key, flight);
    ++st_->running;
    ++st_->started;
  }
  if (!st_->cv.wait_for(lock, opt_.wait, [&flight] { return flight->done; }))
    return fail(Errc::kTimeout, "Zn: the BSF did not answer within " + std::to_string(opt_.wait.count()) + " ms");
  return answer(flight->result);
}

// On a thread of its own; the lock is not held while the BSF is asked.
void NafKeys::run_fetch(std::string key, std::string btid, Bytes naf_id, std::shared_ptr<Flight> flight) {
  auto z = fetch_(btid, naf_id);
  const std::int64_t now = clock_();
  Entry e;
  if (z.ok() && z->expires > now) {
    e.expires = z->expires;
    e.key = std::move(*z);
  } else {
    e.error = z.ok() ? make_error(Errc::kNotFound, "the BSF returned an expired key for this B-TID") : z.error();
    e.expires = now + opt_.negative_ttl;
  }
  std::shared_ptr<State> st = st_;
  std::lock_guard lock(st->mu);
  // Failures take at most half of the cache, so a flood of unknown B-TIDs cannot keep real keys out of it.
  const std::size_t room = e.key ? max_ : max_ / 2;
  if (st->cache.size() < room && e.expires > now)
    st->cache.insert_or_assign(key, Entry{e.key ? std::optional(copy_of(*e.key)) : std::nullopt, e.error, e.expires});
  flight->result = std::move(e);
  flight->done = true;
  st->flights.erase(key);
  --st->running;
  st->cv.notify_all();
}

Result<net::PskGrant> NafKeys::lookup(std::string_view psk_identity, const net::PskContext& ctx) {
  std::string_view btid = psk_identity;
  if (btid.starts_with(kIdentityPrefix)) btid.remove_prefix(kIdentityPrefix.size());
  if (btid.empty()) return fail(Errc::kInvalidArgument, "empty B-TID");
  if (ctx.version == net::TlsVersion::kTls12 && ctx.cipher_suite == 0)
    return fail(Errc::kInternal, "TLS 1.2 PSK lookup without a cipher suite");
  PROSE_TRY(diameter::ZnKey found, key_for(btid, naf_id_for(fqdn_, ctx)));
  const auto at = found.impi.find('@');
  const std::string imsi = found.impi.substr(0, at);
  auto peer = net::PeerIdentity::ue(imsi);
  if (at == std::string::npos || !peer.ok())
    return fail(Errc::kDenied, "the IMPI the BSF returned does not start with an IMSI");
  if (auto it = relays_.find(imsi); it != relays_.end()) {
    peer = net::PeerIdentity::relay(it->second);
    if (!peer.ok()) return fail(Errc::kDenied, "relay id " + it->second + " for IMSI " + imsi + ": not a relay id");
  }
  return net::PskGrant{std::move(found.ks_naf), std::move(*peer)};
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
  std::lock_guard lock(st_->mu);
  return st_->cache.size();
}

std::size_t NafKeys::fetches() {
  std::lock_guard lock(st_->mu);
  return st_->started;
}

}  // namespace prose::gba_naf
