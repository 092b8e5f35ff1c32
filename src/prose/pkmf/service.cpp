#include "prose/pkmf/service.h"

#include <arpa/inet.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "prose/ids/ids.h"
#include "prose/keys/prose_keys.h"
#include "prose/mikey/payloads.h"
#include "prose/pkmf/mikey_delivery.h"
#include "prose/util/hex.h"
#include "prose/util/log.h"
#include "prose/util/random.h"

namespace prose::pkmf {
namespace {

using pc8::ErrorCode;

constexpr int kMaxIdDraws = 8;  // a random 64-bit PRUK ID colliding 8 times in a row means something is broken
constexpr std::size_t kResumeBatch = 1000;  // pending deliveries taken over in one pass at most

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Two textual IP addresses name the same address (IPv6 has several spellings).
bool same_ip(const std::string& a, const std::string& b) {
  unsigned char x[16] = {}, y[16] = {};
  for (int family : {AF_INET, AF_INET6}) {
    if (inet_pton(family, a.c_str(), x) == 1 && inet_pton(family, b.c_str(), y) == 1) return std::memcmp(x, y, 16) == 0;
  }
  return a == b;
}

template <typename Resp>
Resp error_response(pc8::TransactionId tid, ErrorCode code) {
  Resp r;
  r.transaction_id = tid;
  r.outcome = code;
  return r;
}

// GbaPush reports a dead transport (or peers that stayed unable to deliver / too busy) as kIo / kTimeout: the
// UE may try again later. Every other failure is the HSS/BSF's answer and final (docs/pkmf.md).
bool gba_push_unreachable(const Error& e) { return e.code == Errc::kIo || e.code == Errc::kTimeout; }

// The status code of a response, none when it grants.
template <typename Resp>
std::optional<ErrorCode> error_of(const Resp& r) {
  if (const auto* e = std::get_if<ErrorCode>(&r.outcome)) return *e;
  return std::nullopt;
}

}  // namespace

PkmfService::PkmfService(ServiceConfig config, store::StorePool& stores, Metrics& metrics, GbaPush* gba_push,
                         MikeySink* mikey)
    : config_(std::move(config)),
      stores_(stores),
      metrics_(metrics),
      gba_push_(gba_push),
      mikey_(mikey),
      discovery_(config_.discovery, stores, metrics) {
  kd_thread_ = std::thread([this] { kd_writer(); });
}

PkmfService::~PkmfService() {
  stop_kd_batching();  // answers the queued KD requests while the bookkeeping writer still runs
  stop_resuming();
  {
    std::lock_guard<std::mutex> lock(kd_mu_);
    kd_stop_ = true;
  }
  kd_cv_.notify_all();
  kd_thread_.join();
}

void PkmfService::kd_writer() {
  std::unique_lock<std::mutex> lock(kd_mu_);
  while (!kd_stop_) {
    kd_cv_.wait_for(lock, std::chrono::milliseconds(config_.policy.kd_flush_interval_ms));
    lock.unlock();
    flush_kd_bookkeeping();
    lock.lock();
  }
  lock.unlock();
  flush_kd_bookkeeping();
}

void PkmfService::flush_kd_bookkeeping() {
  // One flush at a time, so a flush returns only once everything queued before it is in the store (or queued again
  // after a failed write), also when the background writer had taken part of it a moment earlier.
  std::lock_guard<std::mutex> flushing(kd_flush_mu_);
  std::vector<std::pair<std::uint64_t, store::AuditEntry>> batch;
  {
    std::lock_guard<std::mutex> lock(kd_mu_);
    batch.swap(kd_queue_);
  }
  if (batch.empty()) return;
  auto lease = stores_.acquire();
  Status st = lease.ok() ? (*lease)->record_pruk_uses(batch) : Status(lease.error());
  if (!st.ok()) {
    log::error("pkmf: could not record {} KD derivations: {}", batch.size(), st.error().to_string());
    std::lock_guard<std::mutex> lock(kd_mu_);
    if (kd_queue_.size() < 1000000) kd_queue_.insert(kd_queue_.end(), batch.begin(), batch.end());
  }
}

void PkmfService::enable_kd_batching(KdBatcherConfig config) {
  kd_batcher_ = std::make_unique<KdBatcher>(config, [this](const std::vector<store::KdQuery>& queries) {
    metrics_.kd_batch(queries.size());
    auto lease = stores_.acquire();
    if (!lease.ok()) return Result<std::vector<Result<store::KdLookup>>>(lease.error());
    return (*lease)->lookup_for_kd_batch(queries);
  });
}

void PkmfService::stop_kd_batching() { kd_batcher_.reset(); }

std::optional<KdBatcher::Stats> PkmfService::kd_batch_stats() const {
  if (!kd_batcher_) return std::nullopt;
  return kd_batcher_->stats();
}

void PkmfService::handle_async(const net::PeerIdentity& peer, const std::string& peer_address, pc8::Request request,
                               std::int64_t now, std::function<void(pc8::Response)> done) {
  auto* kd = std::get_if<pc8::KdRequest>(&request);
  // Batched: KD requests from relays by PRUK ID without a resynchronisation (those go to the HSS/BSF first).
  if (kd_batcher_ == nullptr || kd == nullptr || peer.kind() != net::PeerKind::kRelay || kd->resync ||
      !std::holds_alternative<ids::PrukId>(kd->remote_ue)) {
    done(handle(peer, peer_address, request, now));
    return;
  }
  const auto started = std::chrono::steady_clock::now();
  store::KdQuery query{peer.id(), kd->relay_service_code.value, std::get<ids::PrukId>(kd->remote_ue).value, {}};
  kd_batcher_->submit(std::move(query), [this, peer, r = std::move(*kd), now, started,
                                         done = std::move(done)](Result<store::KdLookup> found) {
    auto resp = finish_kd(peer, r, std::move(found), nullptr, now);
    if (auto* e = std::get_if<ErrorCode>(&resp.outcome)) metrics_.error(*e);
    metrics_.request(Exchange::kKd, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
                     error_of(resp));
    done(pc8::Response(std::move(resp)));
  });
}

pc8::Response PkmfService::handle(const net::PeerIdentity& peer, const std::string& peer_address,
                                  const pc8::Request& request, std::int64_t now) {
  auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
  return std::visit(
      [&](const auto& r) -> pc8::Response {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, pc8::PrukRequest>) {
          auto resp = handle_pruk(peer, peer_address, r, now);
          if (auto* e = std::get_if<ErrorCode>(&resp.outcome)) metrics_.error(*e);
          metrics_.request(Exchange::kPruk, elapsed(), error_of(resp));
          return resp;
        } else if constexpr (std::is_same_v<T, pc8::KdRequest>) {
          auto resp = handle_kd(peer, r, now);
          if (auto* e = std::get_if<ErrorCode>(&resp.outcome)) metrics_.error(*e);
          metrics_.request(Exchange::kKd, elapsed(), error_of(resp));
          return resp;
        } else if constexpr (std::is_same_v<T, pc8::PgkRequest>) {
          metrics_.error(ErrorCode::kUnsupportedRequest);
          metrics_.request(Exchange::kPgk, elapsed(), ErrorCode::kUnsupportedRequest);
          return error_response<pc8::PgkResponse>(r.transaction_id, ErrorCode::kUnsupportedRequest);
        } else {
          auto resp = discovery_.handle(peer, r, now);
          if (auto* e = std::get_if<ErrorCode>(&resp.outcome)) metrics_.error(*e);
          metrics_.request(Exchange::kDiscovery, elapsed(), error_of(resp));
          return resp;
        }
      },
      request);
}

// ---------------------------------------------------------------------------------------------------------------
// Remote UE exchange (6.X.3.3.2.2).

pc8::PrukResponse PkmfService::handle_pruk(const net::PeerIdentity& peer, const std::string& peer_address,
                                           const pc8::PrukRequest& r, std::int64_t now) {
  using Resp = pc8::PrukResponse;
  if (peer.kind() != net::PeerKind::kUe) return error_response<Resp>(r.transaction_id, ErrorCode::kUeNotAuthorised);
  auto lease = stores_.acquire();
  if (!lease.ok()) return error_response<Resp>(r.transaction_id, ErrorCode::kTemporarilyUnavailable);
  store::Store& s = **lease;
  const std::string& imsi = peer.id();
  auto ue = s.find_ue(imsi);
  if (!ue.ok()) return error_response<Resp>(r.transaction_id, ErrorCode::kTemporarilyUnavailable);
  // Authorised = provisioned with at least one Relay Service Code it may use.
  if (!ue->has_value() || (*ue)->relay_service_codes.empty()) {
    return error_response<Resp>(r.transaction_id, ErrorCode::kUeNotAuthorised);
  }
  std::optional<std::string> ip;
  std::uint16_t port = 0;
  if (r.ue_address) {
    ip = r.ue_address->ip;
    port = r.ue_address->port_or_default();
  }
  // Issue 17 defect 4: by default MIKEY goes to the IP address this request came from, whatever the request names, so
  // that nobody can aim the PKMF's MIKEY datagrams at a third party; only the port is the UE's choice.
  if (config_.policy.mikey_destination == MikeyDestination::kTlsPeer) {
    if (ip && !same_ip(*ip, peer_address)) {
      metrics_.mikey_address_replaced();
      log::debug("pc8: UE {} named MIKEY address {}, its TLS connection comes from {}: using the latter", imsi, *ip,
                 peer_address.empty() ? "an unknown address" : peer_address);
    }
    ip = peer_address.empty() ? std::nullopt : std::optional<std::string>(peer_address);
  }

  if (r.delivery == pc8::PrukDelivery::kStop) {
    if (!s.update_ue_delivery(imsi, false, ip, port, now).ok()) {
      return error_response<Resp>(r.transaction_id, ErrorCode::kTemporarilyUnavailable);
    }
    Resp resp;
    resp.transaction_id = r.transaction_id;
    resp.outcome = pc8::PrukStopAck{};
    return resp;
  }

  if (!s.update_ue_delivery(imsi, true, ip, port, now).ok()) {
    return error_response<Resp>(r.transaction_id, ErrorCode::kTemporarilyUnavailable);
  }
  auto refreshed = s.find_ue(imsi);
  if (!refreshed.ok() || !refreshed->has_value()) {
    return error_response<Resp>(r.transaction_id, ErrorCode::kTemporarilyUnavailable);
  }
  const store::UeRecord& rec = **refreshed;

  auto key_type = key_type_id_for(s, rec, r);
  if (!key_type.ok()) return error_response<Resp>(r.transaction_id, ErrorCode::kTemporarilyUnavailable);

  pc8::PrukGrant grant;
  grant.key_type_id.value = *key_type;

  // A UE that holds no PRUK of ours gets a fresh PMK (it may have lost its keys) and a fresh PRUK.
  auto latest = s.latest_pruk(imsi);
  if (!latest.ok()) return error_response<Resp>(r.transaction_id, ErrorCode::kTemporarilyUnavailable);
  bool holds_latest =
      latest->has_value() && std::any_of(r.held_pruk_ids.begin(), r.held_pruk_ids.end(),
                                         [&](const ids::PrukId& id) { return id.value == (*latest)->pruk_id; });
  auto pmk = s.find_pmk(imsi);
  if (!pmk.ok()) return error_response<Resp>(r.transaction_id, ErrorCode::kTemporarilyUnavailable);
  const bool new_pmk = !pmk->has_value() || r.held_pruk_ids.empty();
  if (new_pmk) {
    pc8::PmkGrant g;
    g.pmk_id.value = random_u64_nonzero();
    g.pmk = random_secret(pc8::kPmkSize);
    if (!s.set_pmk(imsi, g.pmk_id.value, g.pmk).ok()) {
      return error_response<Resp>(r.transaction_id, ErrorCode::kTemporarilyUnavailable);
    }
    (void)s.audit({now, peer.to_string(), "issue", "PMK", to_hex_u64(g.pmk_id.value), imsi});
    grant.pmk = std::move(g);
  }

  Resp resp;
  resp.transaction_id = r.transaction_id;
  resp.outcome = std::move(grant);

  // Step 1c: push a PRUK by MIKEY when the UE does not hold our newest one, it is past its age, or the UE gets a new
  // PMK (it lost its keys, or an operator revoked the PMK that protected the delivery of the PRUK it holds).
  bool too_old = latest->has_value() && config_.policy.pruk_max_age_s > 0 &&
                 now - (*latest)->created_at > config_.policy.pruk_max_age_s;
  if (!holds_latest || too_old || new_pmk) {
    auto updated = s.find_ue(imsi);
    if (updated.ok() && updated->has_value()) {
      Status st = issue_and_push_pruk(s, **updated, now);
      if (!st.ok()) return error_response<Resp>(r.transaction_id, ErrorCode::kTemporarilyUnavailable);
    }
  }
  return resp;
}

Result<std::uint32_t> PkmfService::key_type_id_for(store::Store& s, const store::UeRecord& ue,
                                                   const pc8::PrukRequest& r) {
  auto clashes = [&](std::uint32_t v) {
    return std::any_of(r.groups.begin(), r.groups.end(), [&](const auto& g) { return g.group_id.value == v; });
  };
  // Keep the UE's Key Type ID unless it now equals a Group ID the UE asks keys for (requirement step 1b).
  if (ue.key_type_id && !clashes(*ue.key_type_id)) return *ue.key_type_id;
  std::uint32_t v;
  do {
    v = random_u32();
  } while (v == 0 || clashes(v));
  PROSE_TRY_STATUS(s.set_key_type_id(ue.imsi, v));
  return v;
}

Status PkmfService::issue_and_push_pruk(store::Store& s, const store::UeRecord& ue, std::int64_t now) {
  store::PrukRecord rec;
  rec.imsi = ue.imsi;
  rec.pruk = random_secret(keys::kPrukSize);
  rec.source = store::PrukSource::kMikey;
  rec.created_at = now;
  // A delivery that asks for verification goes on record with its PRUK, in the same transaction (issue 17 defect 7):
  // if this PKMF dies before the UE verified it, the delivery is resumed from the store. Its first send starts right
  // after the commit, so it is counted already.
  const bool deliver = mikey_ != nullptr && ue.ip_address && ue.key_type_id;
  const bool persist = deliver && config_.policy.mikey_verify;
  store::PendingDelivery delivery;
  delivery.attempts = 1;
  delivery.next_attempt_ms = wall_ms() + mikey_backoff_ms(config_.policy, 1);
  Status st = fail(Errc::kConflict, "no PRUK ID drawn");
  for (int i = 0; i < kMaxIdDraws && !st.ok(); ++i) {
    rec.pruk_id = random_u64_nonzero();
    delivery.pruk_id = rec.pruk_id;
    const store::AuditEntry audit{now, "pkmf", "issue", "PRUK", to_hex_u64(rec.pruk_id), ue.imsi};
    st = persist ? s.insert_pruk_with_delivery(rec, delivery, audit) : s.insert_pruk(rec, false, audit);
    if (!st.ok() && st.error().code != Errc::kConflict) return st;
  }
  PROSE_TRY_STATUS(st);
  metrics_.pruk_issued(false);

  if (!deliver) return ok_status();
  auto d = build_ue_delivery(s, ue, rec.pruk_id, rec.pruk, config_.fqdn, config_.policy, now);
  if (!d.ok()) {
    if (persist) (void)s.delete_delivery(rec.pruk_id);
    return d.error();
  }
  if (d->pending) {
    std::lock_guard<std::mutex> lock(pending_mu_);
    pending_.insert_or_assign(d->job.csb_id, Pending{ue.imsi, rec.pruk_id, std::move(*d->pending)});
  }
  mikey_->send(std::move(d->job));
  return ok_status();
}

Result<std::string> PkmfService::on_verification(ByteView r_message, std::int64_t now) {
  PROSE_TRY(std::uint32_t csb, mikey::csb_id_of(r_message));
  Pending pending{"", 0, {}};
  std::vector<std::uint64_t> on_the_way;  // the UE's other PRUKs whose delivery is still pending
  {
    std::lock_guard<std::mutex> lock(pending_mu_);
    auto it = pending_.find(csb);
    if (it == pending_.end()) return fail(Errc::kNotFound, "no delivery waits for CSB ID " + std::to_string(csb));
    PROSE_TRY_STATUS(it->second.verification.verify(r_message));
    pending = std::move(it->second);
    metrics_.mikey_verified();  // before the erase: whoever sees no pending verification sees it counted
    pending_.erase(it);
    for (const auto& [c, p] : pending_)
      if (p.imsi == pending.imsi) on_the_way.push_back(p.pruk_id);
  }
  // The UE now holds the new PRUK and has deleted the previous ones (6.X.3.1): so do we. PRUKs issued after it stay
  // (a Key Request right after another one: their MIKEY messages may still be on the way), and so do earlier ones
  // still on their way: deliveries can arrive in any order, and the UE keeps the one it received last.
  auto lease = stores_.acquire();
  Status st = lease.ok() ? (*lease)->delete_pruks_before(pending.imsi, pending.pruk_id, on_the_way,
                                                         {now, "imsi-" + pending.imsi, "verified", "PRUK",
                                                          to_hex_u64(pending.pruk_id), pending.imsi})
                         : Status(lease.error());
  if (!st.ok())
    log::error("pkmf: verification of PRUK ID {} not recorded: {}", to_hex_u64(pending.pruk_id),
               st.error().to_string());
  return pending.imsi;
}

void PkmfService::on_delivery_abandoned(std::uint32_t csb_id) {
  metrics_.mikey_gave_up();
  std::uint64_t pruk_id = 0;
  {
    std::lock_guard<std::mutex> lock(pending_mu_);
    auto it = pending_.find(csb_id);
    if (it == pending_.end()) return;
    pruk_id = it->second.pruk_id;
    pending_.erase(it);
  }
  if (pruk_id == 0) return;
  auto lease = stores_.acquire();
  Status st = lease.ok() ? (*lease)->delete_delivery(pruk_id) : Status(lease.error());
  if (!st.ok())
    log::error("pkmf: the end of the delivery of PRUK ID {} not recorded: {}", to_hex_u64(pruk_id),
               st.error().to_string());
}

void PkmfService::on_delivery_progress(const std::vector<MikeyProgress>& progress) {
  const std::int64_t now = wall_ms();
  std::vector<store::PendingDelivery> rows;
  rows.reserve(progress.size());
  for (const auto& p : progress) rows.push_back({p.pruk_id, "", p.attempts, now + p.next_in_ms});
  auto lease = stores_.acquire();
  Status st = lease.ok() ? (*lease)->record_delivery_progress(rows) : Status(lease.error());
  if (!st.ok())
    log::error("pkmf: the progress of {} MIKEY deliveries not recorded: {}", rows.size(), st.error().to_string());
}

std::size_t PkmfService::resume_deliveries(std::int64_t now_ms) {
  if (mikey_ == nullptr || !config_.policy.mikey_verify) return 0;
  auto lease = stores_.acquire();
  if (!lease.ok()) return 0;
  store::Store& s = **lease;
  // Claimed for the longest back-off there is: no other PKMF takes it over before this one's sender records its next
  // send.
  auto claimed = s.claim_stale_deliveries(now_ms - kResumeGraceMs,
                                          now_ms + mikey_backoff_ms(config_.policy, config_.policy.mikey_max_attempts),
                                          kResumeBatch);
  if (!claimed.ok()) {
    log::error("pkmf: cannot look for MIKEY deliveries to resume: {}", claimed.error().to_string());
    return 0;
  }
  std::size_t resumed = 0;
  for (const store::PendingDelivery& d : *claimed) {
    const unsigned made = d.attempts - 1;  // the claim counted the send that resumes it
    auto end = [&](const std::string& why) {
      log::warn("mikey: not resuming the delivery of PRUK ID {} to UE {}: {}", to_hex_u64(d.pruk_id), d.imsi, why);
      metrics_.mikey_gave_up();
      if (Status st = s.delete_delivery(d.pruk_id); !st.ok())
        log::error("pkmf: the end of the delivery of PRUK ID {} not recorded: {}", to_hex_u64(d.pruk_id),
                   st.error().to_string());
    };
    if (made >= config_.policy.mikey_max_attempts) {
      end("its " + std::to_string(made) + " attempts are spent");
      continue;
    }
    // A store error leaves the delivery claimed until the claim runs out; a later pass tries again.
    auto cannot = [&](const Error& e) {
      log::error("pkmf: cannot resume the delivery of PRUK ID {}: {}", to_hex_u64(d.pruk_id), e.to_string());
    };
    auto pruk = s.find_pruk(d.pruk_id);
    if (!pruk.ok()) {
      cannot(pruk.error());
      continue;
    }
    if (!pruk->has_value()) continue;  // deleted meanwhile, and its delivery with it
    auto ue = s.find_ue((*pruk)->imsi);
    if (!ue.ok()) {
      cannot(ue.error());
      continue;
    }
    if (!ue->has_value()) continue;
    auto built = build_resumed_delivery(s, **ue, **pruk, config_.fqdn, config_.policy, now_ms / 1000);
    if (!built.ok()) {
      if (built.error().code == Errc::kState)
        end(built.error().message);
      else
        cannot(built.error());
      continue;
    }
    built->job.attempts_made = made;
    {
      std::lock_guard<std::mutex> lock(pending_mu_);
      pending_.insert_or_assign(built->job.csb_id, Pending{d.imsi, d.pruk_id, std::move(*built->pending)});
    }
    log::info("mikey: resuming the delivery of PRUK ID {} to UE {} at {}:{} ({} of {} attempts made)",
              to_hex_u64(d.pruk_id), d.imsi, built->job.ip, built->job.port, made, config_.policy.mikey_max_attempts);
    metrics_.mikey_resumed();
    mikey_->send(std::move(built->job));
    ++resumed;
  }
  return resumed;
}

void PkmfService::stop_resuming() {
  {
    std::lock_guard<std::mutex> lock(resume_mu_);
    resume_stop_ = true;
  }
  resume_cv_.notify_all();
  if (resume_thread_.joinable()) resume_thread_.join();
}

void PkmfService::start_resuming() {
  if (mikey_ == nullptr || !config_.policy.mikey_verify || resume_thread_.joinable()) return;
  resume_thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(resume_mu_);
    while (!resume_stop_) {
      lock.unlock();
      resume_deliveries(wall_ms());
      lock.lock();
      resume_cv_.wait_for(lock, std::chrono::milliseconds(kResumeScanMs), [this] { return resume_stop_; });
    }
  });
}

std::size_t PkmfService::pending_verifications() const {
  std::lock_guard<std::mutex> lock(pending_mu_);
  return pending_.size();
}

// ---------------------------------------------------------------------------------------------------------------
// Relay exchange (6.X.3.3.3.2, steps 4a-4c).

Result<store::PrukRecord> PkmfService::gba_refresh(store::Store& s, const std::string& imsi, const std::string& actor,
                                                   std::int64_t now, Bytes& gpi_out) {
  if (gba_push_ == nullptr) return fail(Errc::kUnsupported, "no HSS/BSF configured for GBA Push");
  for (int i = 0; i < kMaxIdDraws; ++i) {
    std::uint64_t pruk_id = random_u64_nonzero();
    if (auto existing = s.find_pruk(pruk_id); !existing.ok() || existing->has_value()) continue;
    auto pushed = gba_push_->push(imsi, pruk_id, config_.policy.key_lifetime_s);
    if (!pushed.ok()) {
      metrics_.gba_push(pushed.error().code == Errc::kNotFound ? Metrics::GbaPushResult::kUnknownUser
                        : gba_push_unreachable(pushed.error()) ? Metrics::GbaPushResult::kUnreachable
                                                               : Metrics::GbaPushResult::kFailed);
      return pushed.error();
    }
    metrics_.gba_push(Metrics::GbaPushResult::kOk);
    gba::CreatedGpi created = std::move(*pushed);
    store::PrukRecord rec;
    rec.pruk_id = created.pruk_id.value;
    rec.imsi = imsi;
    rec.pruk = std::move(created.pruk);
    rec.source = store::PrukSource::kGbaPush;
    rec.created_at = now;
    // Older PRUKs stay: the UE keeps its MIKEY PRUK until the GBA Push one has secured a connection.
    Status st = s.insert_pruk(rec, false, {now, actor, "issue-gba-push", "PRUK", to_hex_u64(rec.pruk_id), imsi});
    if (!st.ok() && st.error().code == Errc::kConflict) continue;  // another PKMF took the ID meanwhile
    PROSE_TRY_STATUS(st);
    metrics_.pruk_issued(true);
    gpi_out = std::move(created.gpi);
    return rec;
  }
  return fail(Errc::kConflict, "could not draw a free PRUK ID");
}

pc8::KdResponse PkmfService::handle_kd(const net::PeerIdentity& peer, const pc8::KdRequest& r, std::int64_t now) {
  using Resp = pc8::KdResponse;
  if (peer.kind() != net::PeerKind::kRelay) {
    return error_response<Resp>(r.transaction_id, ErrorCode::kRelayNotAuthorised);
  }
  auto lease = stores_.acquire();
  if (!lease.ok()) return error_response<Resp>(r.transaction_id, ErrorCode::kTemporarilyUnavailable);
  store::Store& s = **lease;
  // Identify the Remote UE by PRUK ID or IMSI; every read of the request in one store lookup.
  const bool by_imsi = std::holds_alternative<pc8::Imsi>(r.remote_ue);
  std::optional<std::uint64_t> pruk_id;
  if (!by_imsi) pruk_id = std::get<ids::PrukId>(r.remote_ue).value;
  auto found = s.lookup_for_kd(peer.id(), r.relay_service_code.value, pruk_id,
                               by_imsi ? std::get<pc8::Imsi>(r.remote_ue).digits : std::string());
  return finish_kd(peer, r, std::move(found), &s, now);
}

pc8::KdResponse PkmfService::finish_kd(const net::PeerIdentity& peer, const pc8::KdRequest& r,
                                       Result<store::KdLookup> found, store::Store* store, std::int64_t now) {
  using Resp = pc8::KdResponse;
  const bool by_imsi = std::holds_alternative<pc8::Imsi>(r.remote_ue);
  std::string imsi = by_imsi ? std::get<pc8::Imsi>(r.remote_ue).digits : std::string();
  if (!found.ok()) return error_response<Resp>(r.transaction_id, ErrorCode::kTemporarilyUnavailable);
  // 4a: the relay must be provisioned for this Relay Service Code.
  if (!found->relay_known) return error_response<Resp>(r.transaction_id, ErrorCode::kRelayNotAuthorised);
  if (!found->relay_serves_rsc) return error_response<Resp>(r.transaction_id, ErrorCode::kUnknownRelayServiceCode);
  std::optional<store::PrukRecord> pruk = std::move(found->pruk);
  if (!by_imsi) {
    if (!pruk) return error_response<Resp>(r.transaction_id, ErrorCode::kUnknownPrukId);
    imsi = pruk->imsi;
  }
  if (!found->ue_known) return error_response<Resp>(r.transaction_id, ErrorCode::kUnknownImsi);
  // 4a: the relay may serve this Remote UE only for a Relay Service Code the UE may use.
  if (!found->ue_uses_rsc) return error_response<Resp>(r.transaction_id, ErrorCode::kRelayNotAuthorisedForUe);

  // A Remote UE that hit an SQN failure on our GPI sent RAND + AUTS through the relay: resynchronise first.
  if (r.resync) {
    if (gba_push_ == nullptr) return error_response<Resp>(r.transaction_id, ErrorCode::kGbaPushFailed);
    Status st = gba_push_->resync(imsi, r.resync->rand.view(), r.resync->auts.view());
    if (!st.ok()) {
      return error_response<Resp>(r.transaction_id, gba_push_unreachable(st.error())
                                                        ? ErrorCode::kTemporarilyUnavailable
                                                        : ErrorCode::kResynchronisationFailed);
    }
  }

  // 4b: refresh by GBA Push when the relay gave the IMSI, after a resync, or when policy says the PRUK is spent.
  bool spent = pruk && ((config_.policy.pruk_max_age_s > 0 && now - pruk->created_at > config_.policy.pruk_max_age_s) ||
                        (config_.policy.pruk_max_uses > 0 && pruk->use_count >= config_.policy.pruk_max_uses));
  Bytes gpi;
  if (by_imsi || r.resync || spent) {
    // A batched lookup came without a connection: the refresh (rare: the policy's limits) takes one.
    std::optional<store::StorePool::Lease> own;
    if (store == nullptr) {
      auto lease = stores_.acquire();
      if (lease.ok()) {
        own.emplace(std::move(*lease));
        store = &**own;
      }
    }
    auto fresh = store != nullptr ? gba_refresh(*store, imsi, peer.to_string(), now, gpi)
                                  : Result<store::PrukRecord>(fail(Errc::kIo, "no store connection"));
    if (fresh.ok()) {
      pruk = std::move(*fresh);
    } else if (!pruk) {
      return error_response<Resp>(r.transaction_id, fresh.error().code == Errc::kNotFound ? ErrorCode::kUnknownImsi
                                                    : gba_push_unreachable(fresh.error())
                                                        ? ErrorCode::kTemporarilyUnavailable
                                                        : ErrorCode::kGbaPushFailed);
    }
    // A policy refresh that fails falls back to the PRUK the UE named: it is still valid.
  }

  // 4c: a fresh KD freshness parameter for every request; KD per A.7.
  pc8::KdGrant grant;
  random_fill(MutableByteView(grant.kd_freshness.bytes.data(), grant.kd_freshness.bytes.size()));
  auto kd = keys::derive_kd(pruk->pruk.view(), grant.kd_freshness.view());
  if (!kd.ok()) return error_response<Resp>(r.transaction_id, ErrorCode::kInternalError);
  grant.kd = std::move(*kd);
  if (!gpi.empty()) grant.gpi = std::move(gpi);
  pc8::RemoteUeIdentity id;
  id.imsi.digits = imsi;
  grant.remote_ue = std::move(id);
  {
    std::lock_guard<std::mutex> lock(kd_mu_);
    kd_queue_.emplace_back(pruk->pruk_id,
                           store::AuditEntry{now, peer.to_string(), "derive", "KD", to_hex_u64(pruk->pruk_id), imsi});
  }
  metrics_.kd_derived();

  Resp resp;
  resp.transaction_id = r.transaction_id;
  resp.outcome = std::move(grant);
  return resp;
}

}  // namespace prose::pkmf
