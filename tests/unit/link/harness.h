// In-memory test bed for the link state machines: a Remote UE and a Relay joined by two PDU queues, a fake clock,
// the timers each machine asked for, a PKMF stand-in (KD = keys::derive_kd, GBA Push with the real gba module and
// Milenage), and filters that drop or rewrite PDUs in flight.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "prose/crypto/milenage.h"
#include "prose/gba/gba.h"
#include "prose/keys/fc_table.h"
#include "prose/keys/prose_keys.h"
#include "prose/link/gba_gpi_processor.h"
#include "prose/link/relay.h"
#include "prose/link/remote_ue.h"
#include "prose/pc5/codec.h"
#include "prose/pdcp/pdcp.h"
#include "prose/util/hex.h"
#include "prose/util/random.h"

namespace prose::link::test {

inline const char* kImsi = "001010123456789";
inline const char* kImpi = "001010123456789@ims.mnc001.mcc001.3gppnetwork.org";
inline const char* kPkmfFqdn = "pkmf.example.org";

// The message type of a PDU when it is readable in flight (unprotected, or integrity-only DSMC); nullopt if ciphered.
inline std::optional<pc5::MessageType> peek_type(ByteView pdu) {
  auto h = pdcp::decode_header(pdu);
  if (!h || h->sdu_type != pdcp::SduType::kPc5Signalling) return std::nullopt;
  if (h->kd_sess_id.is_unprotected()) {
    auto m = pc5::decode(pdu.subspan(pdcp::kHeaderSize));
    if (m) return pc5::message_type(*m);
    return std::nullopt;
  }
  if (pdu.size() < pdcp::kHeaderSize + pdcp::kMacISize) return std::nullopt;
  auto m = pc5::decode(pdu.subspan(pdcp::kHeaderSize, pdu.size() - pdcp::kHeaderSize - pdcp::kMacISize));
  if (m && std::holds_alternative<pc5::DirectSecurityModeCommand>(*m)) return pc5::message_type(*m);
  return std::nullopt;
}

// Home network of the test subscriber: K, OPc, SQN at the HSS, plus the USIM in the UE.
struct Subscriber {
  Bytes k = hex_literal("465b5ce8b199b49faa5f0a2ee238a6bc");
  Bytes opc = hex_literal("cd63cb71954a9f4e48a5994e37a02baf");
  crypto::Sqn hss_sqn = 0x20;  // SEQ 1, IND 0
  std::unique_ptr<crypto::Usim> usim;
  Subscriber() { usim = std::make_unique<crypto::Usim>(crypto::Usim::create(k, opc).value()); }
};

// The PC5 cause the relay sends for the stand-in's failures, as prose/service/pc8_causes.h maps the PC8 error codes
// behind them: unknown PRUK ID / IMSI -> #2, not authorised -> #1, anything else -> #6.
inline pc5::Cause cause_for_pkmf_error(Errc e) {
  switch (e) {
    case Errc::kNotFound:
      return pc5::Cause::kAuthenticationFailure;
    case Errc::kDenied:
      return pc5::Cause::kDirectCommunicationNotAllowed;
    default:
      return pc5::Cause::kLinkSetupFailureOtherErrors;
  }
}

// The PKMF stand-in: PRUKs by PRUK ID; GBA Push for IMSIs (or when refresh is forced).
struct FakePkmf {
  std::map<ids::PrukId, SecretBytes> pruks;
  Subscriber* sub = nullptr;
  bool gba_for_imsi = true;
  bool deny = false;
  int requests = 0;
  int resyncs = 0;
  std::optional<ids::PrukId> last_issued;
  std::string last_kd_fingerprint;  // of the KD last granted

  Bytes naf_id() const { return keys::make_naf_id(kPkmfFqdn, keys::fc::kUaProsePkmf); }

  // Returns the grant, or the Errc the relay maps to a PC5 cause.
  Result<KdGrant> handle(const NeedKd& req) {
    ++requests;
    if (deny) return fail(Errc::kDenied, "relay not authorised");
    if (req.rand && req.auts && sub) {
      auto sqn_ms = crypto::recover_sqn_ms(sub->k, sub->opc, *req.rand, *req.auts);
      if (!sqn_ms) return sqn_ms.error();
      sub->hss_sqn = *sqn_ms + 0x20;  // next SEQ, IND 0
      ++resyncs;
    }
    const SecretBytes* pruk = nullptr;
    std::optional<Bytes> gpi;
    if (req.long_term_id.type == pc5::UserInfoType::kPrukId) {
      auto it = pruks.find(req.long_term_id.pruk_id);
      if (it == pruks.end()) return fail(Errc::kNotFound, "unknown PRUK ID");
      pruk = &it->second;
      if (req.rand) return fail(Errc::kInternal, "resync without GBA");
    }
    if (pruk == nullptr) {
      if (!gba_for_imsi || !sub) return fail(Errc::kNotFound, "unknown IMSI");
      Bytes rand = random_bytes(16);
      PROSE_TRY(auto av, crypto::make_auth_vector(sub->k, sub->opc, rand, sub->hss_sqn, hex_literal("8000")));
      sub->hss_sqn += 0x20;
      const ids::PrukId id{random_u64_nonzero()};
      PROSE_TRY(auto created, gba::create_gpi(av, kImpi, naf_id(), id));
      pruks[id] = std::move(created.pruk);
      last_issued = id;
      pruk = &pruks[id];
      gpi = std::move(created.gpi);
    }
    KdGrant g;
    random_fill(g.kd_freshness);
    PROSE_TRY(g.kd, keys::derive_kd(pruk->view(), g.kd_freshness));
    last_kd_fingerprint = g.kd.fingerprint();
    g.gpi = std::move(gpi);
    return g;
  }
};

enum class Dir { kToRelay, kToUe };

class Harness {
 public:
  TimePoint now{Millis{1'000'000}};
  FakePkmf pkmf;
  Subscriber sub;
  std::unique_ptr<RemoteUe> ue;
  std::unique_ptr<Relay> relay;
  std::vector<Event> ue_events;
  std::vector<Event> relay_events;
  std::vector<Bytes> sent_to_ue;     // every PDU the relay sent (before filters)
  std::vector<Bytes> sent_to_relay;  // every PDU the UE sent
  // Return false to drop; may rewrite the PDU.
  std::function<bool(Dir, Bytes&)> filter;
  bool auto_pkmf = true;  // answer NeedKd immediately
  std::optional<NeedKd> pending_kd_request;

  static RemoteUeConfig ue_config() {
    RemoteUeConfig c;
    c.imsi = kImsi;
    c.relay_service_code = ids::RelayServiceCode{0x123456};
    return c;
  }
  static RelayConfig relay_config() {
    RelayConfig c;
    c.relay_service_code = ids::RelayServiceCode{0x123456};
    return c;
  }

  void make(RemoteUeConfig uc, RelayConfig rc) {
    pkmf.sub = &sub;
    if (!uc.gpi_processor) uc.gpi_processor = make_gba_gpi_processor(*sub.usim, kImpi, pkmf.naf_id());
    ue = RemoteUe::create(std::move(uc)).value();
    relay = Relay::create(std::move(rc)).value();
  }
  // A UE provisioned with a PRUK that the PKMF knows.
  void make_with_pruk(RemoteUeConfig uc = ue_config(), RelayConfig rc = relay_config()) {
    const ids::PrukId id{0x1122334455667788ull};
    SecretBytes pruk = random_secret(32);
    pkmf.pruks[id] = pruk.clone();
    uc.pruk_id = id;
    uc.pruk = std::move(pruk);
    make(std::move(uc), std::move(rc));
  }

  void take(Output&& o, Dir from_side_to) {
    auto& sink = from_side_to == Dir::kToRelay ? sent_to_relay : sent_to_ue;
    auto& q = from_side_to == Dir::kToRelay ? to_relay_ : to_ue_;
    for (auto& p : o.pdus) {
      sink.push_back(p);
      q.push_back(std::move(p));
    }
    auto& tm = from_side_to == Dir::kToRelay ? ue_timers_ : relay_timers_;
    for (const auto& t : o.timers) {
      if (t.op == TimerCmd::Op::kArm)
        tm[t.id] = t.deadline;
      else
        tm.erase(t.id);
    }
    auto& ev = from_side_to == Dir::kToRelay ? ue_events : relay_events;
    for (auto& e : o.events) {
      if (from_side_to == Dir::kToUe) {
        if (auto* nk = std::get_if<NeedKd>(&e)) pending_kd_request = *nk;
      }
      ev.push_back(std::move(e));
    }
  }
  void from_ue(Output&& o) { take(std::move(o), Dir::kToRelay); }
  void from_relay(Output&& o) { take(std::move(o), Dir::kToUe); }

  void answer_pkmf() {
    if (!pending_kd_request) return;
    NeedKd req = std::move(*pending_kd_request);
    pending_kd_request.reset();
    auto g = pkmf.handle(req);
    if (g)
      from_relay(relay->kd_available(now, std::move(*g)).value());
    else
      from_relay(relay->kd_error(now, cause_for_pkmf_error(g.error().code)).value());
  }

  // Delivers queued PDUs (and PKMF answers) until nothing moves. Returns the number of PDUs delivered.
  int pump() {
    int n = 0;
    for (int guard = 0; guard < (1 << 22); ++guard) {
      if (auto_pkmf && pending_kd_request) {
        answer_pkmf();
        continue;
      }
      if (!to_relay_.empty()) {
        Bytes p = std::move(to_relay_.front());
        to_relay_.pop_front();
        if (filter && !filter(Dir::kToRelay, p)) continue;
        ++n;
        from_relay(relay->on_pdu(now, p));
        continue;
      }
      if (!to_ue_.empty()) {
        Bytes p = std::move(to_ue_.front());
        to_ue_.pop_front();
        if (filter && !filter(Dir::kToUe, p)) continue;
        ++n;
        from_ue(ue->on_pdu(now, p));
        continue;
      }
      break;
    }
    return n;
  }

  // Advances the clock to the earliest armed timer of either side, fires it and pumps. False when no timer is armed.
  bool fire_next_timer() {
    std::optional<std::pair<bool, TimerId>> which;
    TimePoint when{};
    for (auto& [id, t] : ue_timers_)
      if (!which || t < when) which = {{true, id}}, when = t;
    for (auto& [id, t] : relay_timers_)
      if (!which || t < when) which = {{false, id}}, when = t;
    if (!which) return false;
    now = std::max(now, when);
    if (which->first) {
      ue_timers_.erase(which->second);
      from_ue(ue->on_timer(now, which->second));
    } else {
      relay_timers_.erase(which->second);
      from_relay(relay->on_timer(now, which->second));
    }
    pump();
    return true;
  }
  // Fires timers until `done` holds (or no timer / the time limit is reached).
  void run_until(const std::function<bool()>& done, Millis limit = Millis{600'000}) {
    const TimePoint end = now + limit;
    pump();
    while (!done() && now < end && fire_next_timer()) {
    }
  }

  bool handshake() {
    from_ue(ue->start(now).value());
    run_until([&] { return ue->state() == RemoteState::kEstablished || ue->state() == RemoteState::kFailed; });
    return ue->state() == RemoteState::kEstablished && relay->state() == RelayState::kEstablished;
  }

  void advance(Millis d) {
    const TimePoint end = now + d;
    pump();
    for (;;) {
      std::optional<TimePoint> next;
      for (auto& [id, t] : ue_timers_)
        if (!next || t < *next) next = t;
      for (auto& [id, t] : relay_timers_)
        if (!next || t < *next) next = t;
      if (!next || *next > end) break;
      fire_next_timer();
    }
    now = end;
  }

  bool ue_timer_armed(TimerId id) const { return ue_timers_.count(id) != 0; }
  bool relay_timer_armed(TimerId id) const { return relay_timers_.count(id) != 0; }

  template <typename E>
  static std::vector<const E*> all(const std::vector<Event>& evs) {
    std::vector<const E*> out;
    for (const auto& e : evs)
      if (const auto* p = std::get_if<E>(&e)) out.push_back(p);
    return out;
  }
  template <typename E>
  static const E* last(const std::vector<Event>& evs) {
    auto v = all<E>(evs);
    return v.empty() ? nullptr : v.back();
  }

  // Data over the secured link in both directions; returns true when both arrive intact.
  bool exchange_data(std::size_t n = 100) {
    Bytes up = random_bytes(n), down = random_bytes(n);
    const auto ue_before = all<DataReceived>(ue_events).size();
    const auto relay_before = all<DataReceived>(relay_events).size();
    auto a = ue->send_data(now, up);
    if (!a) return false;
    from_ue(std::move(*a));
    auto b = relay->send_data(now, down);
    if (!b) return false;
    from_relay(std::move(*b));
    pump();
    auto r = all<DataReceived>(relay_events);
    auto u = all<DataReceived>(ue_events);
    return r.size() == relay_before + 1 && u.size() == ue_before + 1 && r.back()->data == up && u.back()->data == down;
  }

 private:
  std::deque<Bytes> to_relay_, to_ue_;
  std::map<TimerId, TimePoint> ue_timers_, relay_timers_;
};

}  // namespace prose::link::test
