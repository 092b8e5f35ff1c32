// The relay load test: the emulated Remote UEs (one link::RemoteUe each, on one sidelink socket) and the setup,
// data and release phases.
#include <algorithm>

#include "prose/agents/frame.h"
#include "prose/ids/ids.h"
#include "prose/load/abort.h"
#include "prose/load/relay_harness.h"
#include "prose/testbed/proc_stats.h"

namespace prose::load {

// Frames leave in sendmmsg batches, as the relay's do: at the start of each pump() and when the batch is full.
void RelayLoad::send_frame(const Ue& u, ByteView pdu) {
  if (sl_out_.full()) flush_frames();
  if (auto n = agents::encode_frame_into(u.l2, kRelayL2, pdu, sl_out_.slot()); n.ok()) sl_out_.commit(relay_port_, *n);
}

void RelayLoad::flush_frames() {
  if (!sl_out_.empty()) frames_sent_ += sl_out_.flush(sl_);
}

// The UEs offer only --algorithms (128-EEA n, 128-EIA n), so the relay chooses that pair for every link.
link::AlgorithmPolicy RelayLoad::algorithm_policy() const {
  link::AlgorithmPolicy p;
  p.ciphering = {static_cast<cipher::Eea>(o_.algorithms)};
  p.integrity = {static_cast<cipher::Eia>(o_.algorithms)};
  return p;
}

void RelayLoad::fail(std::uint32_t i, const std::string& why) {
  Ue& u = ues_[i];
  if (u.st == Ue::St::kSetup) --in_flight_;
  if (u.st == Ue::St::kReleasing) --releasing_;
  u.st = Ue::St::kFailed;
  failures_.push_back("ue@" + hex24(u.l2) + ": " + why);
}

void RelayLoad::handle(std::uint32_t i, link::Output o) {
  Ue& u = ues_[i];
  for (const auto& pdu : o.pdus) send_frame(u, pdu);
  timers_.apply(i, o.timers);
  for (auto& e : o.events) {
    if (auto* s = std::get_if<link::LinkSecured>(&e)) {
      if (!s->rekey && u.st == Ue::St::kSetup) {
        setup_.push_back(secs(Clock::now() - u.t_start));
        ++links_secured_;
        u.st = Ue::St::kUp;
        --in_flight_;
      }
    } else if (auto* f = std::get_if<link::SetupFailed>(&e)) {
      fail(i, "link setup failed: PC5 cause #" + std::to_string(static_cast<int>(f->cause)) +
                  (f->from_peer ? " from the relay" : "") + (f->detail.empty() ? "" : " (" + f->detail + ")"));
    } else if (auto* d = std::get_if<link::DataReceived>(&e)) {
      on_data(i, d->data);
    } else if (auto* r = std::get_if<link::LinkReleased>(&e)) {
      if (u.st == Ue::St::kReleasing) {
        u.st = Ue::St::kReleased;
        --releasing_;
      } else if (u.st != Ue::St::kFailed)
        fail(i, "link released unexpectedly (release cause " + std::to_string(static_cast<int>(r->cause)) + ")");
    } else if (auto* dr = std::get_if<link::PduDropped>(&e)) {
      if (++dropped_ <= 5)
        err_ << "relay-load: ue@" << hex24(u.l2) << " dropped a PDU in state " << link::remote_state_name(u.m->state())
             << ", " << fixed(secs(Clock::now() - u.t_start) * 1e3, 1) << " ms after its DCR: " << dr->detail << "\n";
    } else if (std::get_if<link::PrukIdRejected>(&e)) {
      fail(i, "the relay did not recognise the PRUK ID");
    }
  }
}

// Timers due, then every frame queued on the sidelink socket; waits at most max_wait_ms for something to do.
void RelayLoad::pump(int max_wait_ms) {
  flush_frames();
  int wait = max_wait_ms;
  if (auto earliest = timers_.earliest()) {
    auto d = std::chrono::duration_cast<std::chrono::milliseconds>(*earliest - link_now()).count();
    wait = static_cast<int>(std::clamp<long long>(d, 0, max_wait_ms));
  }
  sl_.wait(wait);
  const auto now = link_now();
  for (const auto& t : timers_.take_due(now)) {
    Ue& u = ues_[t.owner];
    if (!u.m) continue;
    link::Output o = u.m->on_timer(now, t.id);
    if (u.st == Ue::St::kSetup) setup_retx_ += o.pdus.size();
    if (u.st == Ue::St::kReleasing) release_retx_ += o.pdus.size();
    handle(t.owner, std::move(o));
  }
  for (bool more = true; more;) {
    const std::size_t n = sl_in_.receive(sl_);
    more = n == sl_in_.slots();
    for (std::size_t k = 0; k < n; ++k) {
      auto f = agents::decode_frame_view(sl_in_.datagram(k));
      if (sl_in_.truncated(k) || !f.ok() || f->src != kRelayL2) continue;
      if (f->dst < kUeL2Base || f->dst - kUeL2Base >= ues_.size()) continue;  // the broadcast announcement
      auto i = f->dst - kUeL2Base;
      Ue& u = ues_[i];
      if (!u.m) continue;
      ++frames_received_;
      handle(i, u.m->on_pdu(link_now(), f->pdu));
    }
  }
}

void RelayLoad::check_relay(const char* phase) {
  if (!relay_.alive())
    failure(std::string("the relay process exited in the ") + phase + " phase (log: " + (dir_ / "relay.log").string() +
            ")");
  check_deadline(phase);
}

void RelayLoad::start_ue(std::uint32_t i) {
  Ue& u = ues_[i];
  link::RemoteUeConfig c;
  c.imsi = u.imsi;
  c.relay_service_code = ids::RelayServiceCode{kRelayRsc};
  c.pruk_id = ids::PrukId{u.pruk_id};
  c.pruk = u.pruk.clone();
  c.policy = algorithm_policy();
  auto m = link::RemoteUe::create(std::move(c));
  if (!m.ok()) {
    failures_.push_back("ue@" + hex24(u.l2) + ": " + m.error().to_string());
    u.st = Ue::St::kFailed;
    return;
  }
  u.m = std::move(*m);
  u.st = Ue::St::kSetup;
  ++in_flight_;
  u.t_start = Clock::now();
  auto o = u.m->start(link_now());
  if (!o.ok()) {
    fail(i, "start: " + o.error().to_string());
    return;
  }
  handle(i, std::move(*o));
}

// The first UE sets its link up alone and is reported apart: its setup also opens the relay's TLS connection to
// the PKMF. Then the other N-1, --concurrency at a time; their times make the percentiles and setups/s.
void RelayLoad::setup_phase() {
  start_ue(0);
  while (in_flight_ > 0) {
    pump(50);
    check_relay("setup");
  }
  if (!setup_.empty()) first_setup_ = setup_.front();
  setup_.clear();
  double cpu0 = testbed::cpu_seconds(relay_.pid()), pkmf_cpu0 = testbed::cpu_seconds(pkmf_.pid());
  auto t0 = Clock::now();
  std::uint32_t next = 1;
  while (next < ues_.size() || in_flight_ > 0) {
    while (in_flight_ < o_.concurrency && next < ues_.size()) start_ue(next++);
    pump(50);
    check_relay("setup");
  }
  setup_s_ = secs(Clock::now() - t0);
  relay_cpu_setup_ = testbed::cpu_seconds(relay_.pid()) - cpu0;
  pkmf_cpu_setup_ = testbed::cpu_seconds(pkmf_.pid()) - pkmf_cpu0;
  std::sort(setup_.begin(), setup_.end());
}

void RelayLoad::on_data(std::uint32_t i, const Bytes& d) {
  auto now = Clock::now();
  if (d.size() < 8) {
    ++relayed_.corrupt;
    failures_.push_back("ue@" + hex24(ues_[i].l2) + ": echo shorter than 8 octets");
    return;
  }
  auto it = relayed_flight_.pending.find(payload_key(d));
  if (it == relayed_flight_.pending.end()) {
    ++relayed_.late;
    return;
  }
  bool right_ue = (payload_key(d) >> 32) == i;
  if (!right_ue || it->second.payload != d) {
    ++relayed_.corrupt;
    failures_.push_back("ue@" + hex24(ues_[i].l2) + ": echo " +
                        (right_ue ? "differs from what was sent" : "for another UE"));
  } else {
    ++relayed_.received;
  }
  relayed_.rtt.push_back(secs(now - it->second.sent));
  relayed_flight_.pending.erase(it);
}

void RelayLoad::data_phase() {
  std::vector<std::uint32_t> up;
  for (std::uint32_t i = 0; i < ues_.size(); ++i)
    if (ues_[i].st == Ue::St::kUp) up.push_back(i);
  if (up.empty() || o_.datagrams == 0) return;
  const std::uint64_t total = static_cast<std::uint64_t>(up.size()) * o_.datagrams;
  const auto loss_after = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.loss_timeout));
  double cpu0 = testbed::cpu_seconds(relay_.pid());
  std::uint64_t k = 0;
  auto t0 = Clock::now();
  while (k < total || !relayed_flight_.pending.empty()) {
    while (k < total && relayed_flight_.pending.size() < o_.window) {
      std::uint32_t i = up[k % up.size()];
      auto seq = static_cast<std::uint32_t>(k / up.size());
      ++k;
      Ue& u = ues_[i];
      if (u.st != Ue::St::kUp) continue;
      Bytes p = make_payload(i, seq, o_.size);
      auto key = payload_key(p);
      auto now = Clock::now();
      auto r = u.m->send_data(link_now(), p);
      if (!r.ok()) {
        fail(i, "send_data: " + r.error().to_string());
        continue;
      }
      relayed_flight_.add(key, std::move(p), now);
      ++relayed_.sent;
      handle(i, std::move(*r));
    }
    pump(10);
    relayed_flight_.expire(loss_after, relayed_.lost);
    check_relay("data");
  }
  relayed_.seconds = secs(Clock::now() - t0);
  relay_cpu_data_ = testbed::cpu_seconds(relay_.pid()) - cpu0;
  std::sort(relayed_.rtt.begin(), relayed_.rtt.end());
}

// Every link released by its Remote UE, at most --concurrency releases in flight (a burst of 1,000 frames
// overflows the relay's UDP receive buffer and only T4103 retransmissions would recover it).
void RelayLoad::release_phase() {
  auto end = Clock::now() + std::chrono::seconds(30);
  std::uint32_t next = 0;
  while ((next < ues_.size() || releasing_ > 0) && Clock::now() < end) {
    while (releasing_ < o_.concurrency && next < ues_.size()) {
      std::uint32_t i = next++;
      Ue& u = ues_[i];
      if (u.st != Ue::St::kUp) continue;
      ++releasing_;
      u.st = Ue::St::kReleasing;
      auto r = u.m->release(link_now());
      if (!r.ok()) {
        fail(i, "release: " + r.error().to_string());
        continue;
      }
      handle(i, std::move(*r));
    }
    pump(20);
    check_relay("release");
  }
  for (std::uint32_t i = 0; i < ues_.size(); ++i) {
    if (ues_[i].st == Ue::St::kReleasing) {
      fail(i, "link not released within 30 s");
    } else if (ues_[i].st == Ue::St::kReleased) {
      ++released_;
    }
  }
}

}  // namespace prose::load
