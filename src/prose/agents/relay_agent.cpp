// The relay agent (docs/agents.md "Relay"): the I/O of prose/service's RelayDiscovery and RelayService: the
// sidelink, one upstream socket per link, the PKMF workers, one epoll loop. The protocol decisions (announcements,
// responses to solicitations, link machines, KD requests, PC8 errors to PC5 causes) are the services'.
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "prose/agents/agents.h"
#include "prose/agents/config_ip.h"
#include "prose/agents/event_loop.h"
#include "prose/agents/loopback_udp.h"
#include "prose/agents/pkmf_client.h"
#include "prose/agents/pkmf_workers.h"
#include "prose/agents/prose_function.h"
#include "prose/agents/sidelink.h"
#include "prose/agents/trace.h"
#include "prose/agents/tun.h"
#include "prose/agents/udp_batch.h"
#include "prose/service/relay_discovery.h"
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
    std::optional<service::DiscoveryAuthorisation> pf_discovery;  // with a ProSe Function: protected discovery only
    if (cfg_.prose_function) {
      auto p = authorise(cfg_.name, *cfg_.prose_function, pc3::Role::kRelay, cfg_.relay_service_code, gba_.get());
      if (!p.ok()) return g_stop ? Status{} : Status(p.error());
      use_pf_parameters(*p, cfg_.pkmf);
      pf_discovery = discovery_authorisation(*p, *cfg_.prose_function);
    }
    disc_ = std::make_unique<service::RelayDiscovery>(
        service::RelayDiscoveryConfig{cfg_.name, cfg_.l2_id, cfg_.relay_service_code, cfg_.announce_ms}, pf_discovery);
    PROSE_TRY(client_, make_client(cfg_.pkmf, gba_.get()));
    if (cfg_.pkmf_connections > 0) {
      GbaUe* gba = gba_.get();
      PROSE_TRY(kd_workers_,
                PkmfWorkers::start(
                    cfg_.pkmf_connections, [this] { return make_client(cfg_.pkmf, gba_.get()); },
                    [gba](net::HttpsClient& c, const pc8::Request& r) { return pc8_exchange(c, r, gba); }));
    }
    std::vector<cipher::Eea> ciphering;
    for (std::uint8_t id : cfg_.ciphering) ciphering.push_back(static_cast<cipher::Eea>(id));
    service_ = std::make_unique<service::RelayService>(
        service::RelayServiceConfig{cfg_.name, cfg_.l2_id, cfg_.relay_service_code, cfg_.upstream_port, keylog_on(),
                                    cfg_.log.user_data, std::move(ciphering)});
    PROSE_TRY_STATUS(loop_.open());
    if (cfg_.ip) PROSE_TRY_STATUS(open_ip());
    g_flush_each_line = false;
    PROSE_TRY_STATUS(loop_.watch(sl_.fd(), kSidelinkTag));
    if (kd_workers_) PROSE_TRY_STATUS(loop_.watch(kd_workers_->fd(), kKdTag));
    // Work per wake-up is proportional to what happened (docs/performance/agents.md): epoll reports the sockets
    // with something to read, the service's timer queue the due timers; links that are idle cost nothing.
    std::vector<std::uint32_t> readable;
    service::ProtectedDiscovery* pd = disc_->protection();
    disc_->start(now());
    while (!g_stop) {
      if (pd) PROSE_TRY_STATUS(refresh_discovery_keys(cfg_.name, *client_, *pd, gba_.get()));
      run_discovery_actions(sl_, cfg_.l2_id, disc_->on_time(now(), unix_now()));
      // The loop sleeps until the next announcement, the service's next timer, the next Discovery Key Request, a
      // readable socket or a signal.
      const auto deadline = earliest({disc_->next_deadline(), service_->next_deadline(),
                                      pd ? std::optional(at_unix(pd->next_refresh())) : std::nullopt});
      flush_lines();
      sl_.flush();
      const auto& ready = loop_.wait(deadline);
      run_actions(service_->on_time(now()));
      bool sidelink_readable = false, kd_done = false, tun_readable = false;
      readable.clear();
      for (const std::uint64_t tag : ready) {
        if (tag == kSidelinkTag)
          sidelink_readable = true;
        else if (tag == kKdTag)
          kd_done = true;
        else if (tag == kTunTag)
          tun_readable = true;
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
      if (tun_readable) PROSE_TRY_STATUS(drain_tun());
      run_actions(service_->sweep());
    }
    sl_.flush();
    evt("stop", "relayed " + std::to_string(service_->bytes_up()) + " octets up, " +
                    std::to_string(service_->bytes_down()) + " down" +
                    (pd ? ", " + std::to_string(disc_->ignored()) + " discovery PDUs ignored" : "") +
                    (tun_drops_ ? ", " + std::to_string(tun_drops_) + " packets the TUN did not take" : ""));
    return {};
  }

 private:
  static constexpr std::uint64_t kSidelinkTag = std::uint64_t{1} << 32;   // epoll tag; an upstream's is its L2 ID
  static constexpr std::uint64_t kKdTag = (std::uint64_t{1} << 32) + 1;   // the PKMF workers' finished jobs
  static constexpr std::uint64_t kTunTag = (std::uint64_t{1} << 32) + 2;  // IP mode: the network side
  // IP mode: packets read from the TUN per wake-up at most (the sidelink and timers get their turn).
  static constexpr int kTunBatch = 256;

  // IP mode: the service routes IP packets; the TUN device, with the relay's address of the pool, is the network
  // side.
  Status open_ip() {
    PROSE_TRY(ip::Ipv4Prefix pool, ip::Ipv4Prefix::parse(cfg_.ip->ipv4_pool));
    service::RelayIpConfig rc{pool, 3600};
    if (!cfg_.ip->ipv6_prefix.empty()) {
      PROSE_TRY(rc.ipv6_prefix, ip::Ipv6Prefix::parse(cfg_.ip->ipv6_prefix));
      rc.link_mtu = cfg_.ip->mtu - kIpSduOverhead;  // the TUN's: what fits a PDCP PDU of ip.mtu once protected
    }
    PROSE_TRY_STATUS(service_->enable_ip(rc));
    PROSE_TRY(tun_, open_tun(*cfg_.ip));
    const ip::Ipv4Address me = service_->ip()->relay_address();
    PROSE_TRY_STATUS(set_tun_ipv4(*tun_, *cfg_.ip, me, pool.length));
    PROSE_TRY_STATUS(loop_.watch(tun_->fd(), kTunTag));
    evt("ip", "IP mode: TUN " + tun_->name() + (cfg_.ip->netns.empty() ? "" : " in netns " + cfg_.ip->netns) + " " +
                  me.to_string() + "/" + std::to_string(pool.length) + ", DHCPv4 pool " + pool.to_string() + ", MTU " +
                  std::to_string(cfg_.ip->mtu - kIpSduOverhead));
    if (const ip::Ipv6Plan* plan = service_->ip()->ipv6()) {
      PROSE_TRY_STATUS(set_tun_ipv6(*tun_, *cfg_.ip, plan->relay_address(), 64));
      evt("ip", "IPv6: TUN " + tun_->name() + " " + plan->relay_address().to_string() + "/64, the prefix " +
                    plan->prefix().to_string() + " advertised on every link (Router Advertisements)");
    }
    return {};
  }

  // IP mode: the packets the kernel routed into the TUN, each to the link of its destination.
  Status drain_tun() {
    for (int i = 0; i < kTunBatch; ++i) {
      PROSE_TRY(auto packet, tun_->read());
      if (!packet) return {};
      run_actions(service_->on_network(now(), *packet));
    }
    return {};
  }

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
      } else if (auto* n = std::get_if<service::ToNetwork>(&a)) {
        if (auto w = tun_ ? tun_->write(n->packet) : Result<bool>(false); !w.ok() || !*w) ++tun_drops_;
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

  // Discovery frames (to the broadcast L2 ID) go to the discovery service, the others to the links'.
  void on_frame(const FrameView& f) {
    if (service::RelayDiscovery::takes(f.dst)) {
      run_discovery_actions(sl_, cfg_.l2_id, disc_->on_frame(unix_now(), f.src, f.pdu));
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
  std::unique_ptr<service::RelayDiscovery> disc_;
  std::unique_ptr<ip_tun::TunDevice> tun_;  // IP mode
  std::uint64_t tun_drops_ = 0;             // packets the TUN did not take (queue full)
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
