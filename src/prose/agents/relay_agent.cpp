// The relay agent (docs/agents.md "Relay"): discovery (announcements, protected solicitations and responses) and
// the I/O of prose/service's RelayService: the sidelink, one upstream socket per link, the PKMF workers, one epoll
// loop. The protocol decisions (link machines, KD requests, PC8 errors to PC5 causes) are the service's.
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "prose/agents/agents.h"
#include "prose/agents/event_loop.h"
#include "prose/agents/loopback_udp.h"
#include "prose/agents/pkmf_client.h"
#include "prose/agents/pkmf_workers.h"
#include "prose/agents/prose_function.h"
#include "prose/agents/sidelink.h"
#include "prose/agents/trace.h"
#include "prose/agents/udp_batch.h"
#include "prose/service/relay_service.h"

namespace prose::agents {
namespace {

class RelayAgent {
 public:
  explicit RelayAgent(RelayAgentConfig c) : cfg_(std::move(c)), sl_(cfg_.sidelink) { sl_.set_batching(true); }

  Status run() {
    PROSE_TRY_STATUS(sl_.open());
    evt("start", cfg_.name + " L2 " + hex24(cfg_.l2_id) + " RSC " + hex24(cfg_.relay_service_code));
    if (cfg_.gba) {
      PROSE_TRY(crypto::Usim usim, crypto::Usim::create(cfg_.gba->k.view(), cfg_.gba->opc.view()));
      PROSE_TRY(gba_, GbaUe::create(cfg_.name, *cfg_.gba, std::make_shared<crypto::Usim>(std::move(usim))));
    }
    if (cfg_.prose_function) {
      auto p = authorise(cfg_.name, *cfg_.prose_function, pc3::Role::kRelay, cfg_.relay_service_code, gba_.get());
      if (!p.ok()) return g_stop ? Status{} : Status(p.error());
      use_pf_parameters(*p, cfg_.pkmf);
      if (p->announce_ms != 0) cfg_.announce_ms = p->announce_ms;
      model_a_ = p->model_a;
      model_b_ = p->model_b;
      pd_ = std::make_unique<ProtectedDiscovery>(cfg_.relay_service_code, security_settings(*p, *cfg_.prose_function));
    }
    PROSE_TRY(client_, make_client(cfg_.pkmf, gba_.get()));
    if (cfg_.pkmf_connections > 0) {
      GbaUe* gba = gba_.get();
      PROSE_TRY(kd_workers_,
                PkmfWorkers::start(
                    cfg_.pkmf_connections, [this] { return make_client(cfg_.pkmf, gba_.get()); },
                    [gba](net::HttpsClient& c, const pc8::Request& r) { return pc8_exchange(c, r, gba); }));
    }
    service_ = std::make_unique<service::RelayService>(service::RelayServiceConfig{
        cfg_.name, cfg_.l2_id, cfg_.relay_service_code, cfg_.upstream_port, keylog_on(), cfg_.log.user_data});
    PROSE_TRY_STATUS(loop_.open());
    g_flush_each_line = false;
    PROSE_TRY_STATUS(loop_.watch(sl_.fd(), kSidelinkTag));
    if (kd_workers_) PROSE_TRY_STATUS(loop_.watch(kd_workers_->fd(), kKdTag));
    // Work per wake-up is proportional to what happened (docs/performance/agents.md): epoll reports the sockets
    // with something to read, the service's timer queue the due timers; links that are idle cost nothing.
    std::vector<std::uint32_t> readable;
    auto next_announce = now();
    while (!g_stop) {
      if (pd_) PROSE_TRY_STATUS(refresh_discovery_keys(cfg_.name, *client_, *pd_, gba_.get()));
      if (now() >= next_announce) {
        announce();
        next_announce = now() + link::Millis(cfg_.announce_ms);
      }
      // The loop sleeps until the next announcement, the service's next timer, the next Discovery Key Request, a
      // readable socket or a signal.
      const auto deadline = earliest(
          {next_announce, service_->next_deadline(), pd_ ? std::optional(at_unix(pd_->next_refresh())) : std::nullopt});
      flush_lines();
      sl_.flush();
      const auto& ready = loop_.wait(deadline);
      run_actions(service_->on_time(now()));
      bool sidelink_readable = false, kd_done = false;
      readable.clear();
      for (const std::uint64_t tag : ready) {
        if (tag == kSidelinkTag)
          sidelink_readable = true;
        else if (tag == kKdTag)
          kd_done = true;
        else
          readable.push_back(static_cast<std::uint32_t>(tag));
      }
      if (kd_done)
        for (auto& d : kd_workers_->take()) run_actions(service_->on_kd_response(now(), d.owner, d.response));
      // Each readable socket is drained with one recvmmsg per kUdpBatchSlots datagrams; what the frames and
      // datagrams cause to be sent on the sidelink leaves in sendmmsg batches (sl_.flush() before the next wait).
      if (sidelink_readable) {
        bool more = true;
        while (more) {
          more = sl_.receive(frames_);
          for (const FrameView& f : frames_) on_frame(f);
        }
      }
      for (std::uint32_t l2 : readable) drain_upstream(l2);
      run_actions(service_->sweep());
    }
    sl_.flush();
    evt("stop", "relayed " + std::to_string(service_->bytes_up()) + " octets up, " +
                    std::to_string(service_->bytes_down()) + " down" +
                    (pd_ ? ", " + std::to_string(ignored_.count()) + " discovery PDUs ignored" : ""));
    return {};
  }

 private:
  static constexpr std::uint64_t kSidelinkTag = std::uint64_t{1} << 32;  // epoll tag; an upstream's is its L2 ID
  static constexpr std::uint64_t kKdTag = (std::uint64_t{1} << 32) + 1;  // the PKMF workers' finished jobs

  // Carries out the service's actions in order; the answers to OpenUpstream and (without workers) RequestKd are
  // carried out at once, before the next action, as the service expects.
  void run_actions(service::RelayActions actions) {
    for (auto& a : actions) {
      if (auto* t = std::get_if<service::Transmit>(&a)) {
        send_pdu(sl_, cfg_.l2_id, t->dst, t->pdu, t->type);
      } else if (auto* m = std::get_if<service::TraceMessage>(&a)) {
        trace(*m);
      } else if (auto* e = std::get_if<service::TraceEvent>(&a)) {
        trace(*e);
      } else if (auto* o = std::get_if<service::OpenUpstream>(&a)) {
        Status st = open_upstream(o->l2);
        run_actions(st.ok() ? service_->upstream_opened(now(), o->l2)
                            : service_->upstream_failed(now(), o->l2, st.error().message));
      } else if (auto* c = std::get_if<service::CloseUpstream>(&a)) {
        if (auto it = upstreams_.find(c->l2); it != upstreams_.end()) {
          loop_.unwatch(it->second->fd());
          upstreams_.erase(it);
        }
      } else if (auto* s = std::get_if<service::SendUpstream>(&a)) {
        if (auto it = upstreams_.find(s->l2); it != upstreams_.end()) it->second->send_to(cfg_.upstream_port, s->data);
      } else if (auto* r = std::get_if<service::RequestKd>(&a)) {
        flush_lines();  // out before the PKMF (and the HSS/BSF behind it) sees the request
        if (kd_workers_) {
          (void)kd_workers_->submit(r->request, std::move(r->pc8));
        } else {
          sl_.flush();  // the frames queued so far do not wait for the PKMF's answer
          run_actions(
              service_->on_kd_response(now(), r->request, pc8_call(*client_, r->pc8, gba_.get())));  // on the loop
        }
      } else if (auto* k = std::get_if<service::ExportLinkKeys>(&a)) {
        log_link_keys(k->keys);
      }
    }
  }

  // The datagrams queued on a link's upstream socket, until it is empty or the service closed it.
  void drain_upstream(std::uint32_t l2) {
    for (;;) {
      auto it = upstreams_.find(l2);
      if (it == upstreams_.end()) return;
      const std::size_t n = upstream_in_.receive(*it->second);
      for (std::size_t i = 0; i < n; ++i) {
        if (upstream_in_.truncated(i)) continue;  // larger than any UDP payload: cannot happen on loopback
        run_actions(service_->on_upstream(now(), l2, upstream_in_.datagram(i)));
        if (!upstreams_.contains(l2)) return;
      }
      if (n < upstream_in_.slots()) return;
    }
  }

  // The link's upstream UDP socket, watched by the event loop.
  Status open_upstream(std::uint32_t l2) {
    auto u = std::make_unique<LoopbackUdp>();
    PROSE_TRY_STATUS(u->bind(0));
    PROSE_TRY_STATUS(loop_.watch(u->fd(), l2));
    upstreams_[l2] = std::move(u);
    return {};
  }

  // Model A: the announcement (protected with a ProSe Function: at most one per counter value, as the same message
  // at the same counter is the same PDU, which receivers would drop as a replay).
  void announce() {
    if (!pd_) {
      auto d = encode_discovery(Discovery{DiscoveryType::kAnnouncement, cfg_.relay_service_code});
      if (first_announce_)
        msc(cfg_.name, "*",
            std::string(discovery_name(DiscoveryType::kAnnouncement)) + " RSC " + hex24(cfg_.relay_service_code) +
                " (every " + std::to_string(cfg_.announce_ms) + " ms)");
      first_announce_ = false;
      sl_.send(cfg_.l2_id, kBroadcastL2Id, *d);
      return;
    }
    if (!model_a_) return;
    const std::int64_t t = unix_now();
    const std::uint32_t counter = discovery::utc_counter(t);
    if (last_announce_counter_ == counter) return;
    auto pdu = pd_->protect(relay_message(discovery::MessageType::kAnnouncement), t);
    if (!pdu.ok()) {
      if (!announce_error_logged_) evt("error", "no announcement: " + pdu.error().to_string());
      announce_error_logged_ = true;
      return;
    }
    announce_error_logged_ = false;
    last_announce_counter_ = counter;
    if (first_announce_)
      msc(cfg_.name, "*",
          "Discovery Announcement (Model A, protected: MIC, DUCK, DUSK; RSC " + hex24(cfg_.relay_service_code) +
              ", PSDK ID " + (pd_->psdk_id() ? pc8::PsdkId{*pd_->psdk_id()}.hex() : std::string("-")) +
              ", at most once a second)");
    first_announce_ = false;
    sl_.send(cfg_.l2_id, kBroadcastL2Id, *pdu);
  }

  discovery::DiscoveryMessage relay_message(discovery::MessageType type) const {
    discovery::DiscoveryMessage m;
    m.type = type;
    m.relay_service_code = cfg_.relay_service_code;
    m.user_info_id = cfg_.l2_id;  // announcer / discoveree info: the relay's layer-2 ID (emulation)
    m.l2_id = cfg_.l2_id;         // ProSe Relay UE ID
    return m;
  }

  // Model B: a protected solicitation for our RSC gets a protected response to the soliciting UE.
  void on_protected_discovery(const FrameView& f) {
    const std::int64_t t = unix_now();
    auto m = pd_->accept(f.pdu, t);
    if (!m.ok()) {
      ignored_.note(f.src, m.error());
      return;
    }
    if (m->type != discovery::MessageType::kSolicitation || !model_b_) return;
    msc("ue@" + hex24(f.src), cfg_.name,
        "Discovery Solicitation (Model B, protected; MIC verified, RSC " + hex24(m->relay_service_code) + ")");
    auto pdu = pd_->protect(relay_message(discovery::MessageType::kResponse), t);
    if (!pdu.ok()) {
      evt("error", "no discovery response: " + pdu.error().to_string());
      return;
    }
    msc(cfg_.name, "ue@" + hex24(f.src),
        "Discovery Response (Model B, protected: MIC, DUCK, DUSK; RSC " + hex24(cfg_.relay_service_code) + ")");
    flush_lines();
    sl_.send(cfg_.l2_id, f.src, *pdu);
  }

  void on_frame(const FrameView& f) {
    if (f.dst == kBroadcastL2Id && pd_) {
      on_protected_discovery(f);
      return;
    }
    if (f.dst == kBroadcastL2Id) {
      auto d = decode_discovery(f.pdu);
      if (d.ok() && d->type == DiscoveryType::kSolicitation && d->relay_service_code == cfg_.relay_service_code) {
        auto resp = encode_discovery(Discovery{DiscoveryType::kResponse, cfg_.relay_service_code});
        msc(cfg_.name, "ue@" + hex24(f.src),
            std::string(discovery_name(DiscoveryType::kResponse)) + " RSC " + hex24(cfg_.relay_service_code));
        sl_.send(cfg_.l2_id, f.src, *resp);
      }
      return;
    }
    run_actions(service_->on_frame(now(), f.src, f.dst, f.pdu));
  }

  RelayAgentConfig cfg_;
  Sidelink sl_;
  std::unique_ptr<GbaUe> gba_;                // [gba]: before the clients, which use it
  std::unique_ptr<net::HttpsClient> client_;  // discovery keys (rare, on the loop)
  std::unique_ptr<PkmfWorkers> kd_workers_;   // KD requests (off the loop)
  std::unique_ptr<service::RelayService> service_;
  EventLoop loop_;                                                   // before upstreams_: outlives their sockets
  std::map<std::uint32_t, std::unique_ptr<LoopbackUdp>> upstreams_;  // per link, by the Remote UE's L2 ID
  std::vector<FrameView> frames_;                                    // one sidelink batch
  UdpReceiveBatch upstream_in_{kMaxUdpPayload};                      // one upstream batch
  std::unique_ptr<ProtectedDiscovery> pd_;                           // with a ProSe Function: protected discovery only
  IgnoredLog ignored_;
  bool model_a_ = true, model_b_ = true;  // discovery models the ProSe Function allows
  bool first_announce_ = true;
  bool announce_error_logged_ = false;
  std::optional<std::uint32_t> last_announce_counter_;
};

}  // namespace

Status run_relay(RelayAgentConfig cfg) {
  PROSE_TRY_STATUS(install_signals());
  g_capture = cfg.log.capture;
  PROSE_TRY_STATUS(open_keylog(cfg.log));
  RelayAgent a(std::move(cfg));
  return a.run();
}

}  // namespace prose::agents
