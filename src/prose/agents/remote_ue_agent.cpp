// The Remote UE agent (docs/agents.md "Remote UE"): the I/O around prose/service's RemoteUeDiscovery and
// RemoteUeService (the sidelink, the application and MIKEY sockets, PC8 to the PKMF, the key store file) and the
// ProSe Function. The protocol decisions (discovery model and its fallback, solicitations, what a discovery frame
// means, Key Request and MIKEY, key store rules, link setup, IMSI fallback, attempts) are the services'.
#include <unistd.h>

#include <memory>
#include <optional>
#include <string>

#include "prose/agents/agents.h"
#include "prose/agents/config_ip.h"
#include "prose/agents/event_loop.h"
#include "prose/agents/frame.h"
#include "prose/agents/loopback_udp.h"
#include "prose/agents/pkmf_client.h"
#include "prose/agents/prose_function.h"
#include "prose/agents/sidelink.h"
#include "prose/agents/trace.h"
#include "prose/agents/tun.h"
#include "prose/mikey/constants.h"
#include "prose/service/key_store.h"
#include "prose/service/remote_ue_discovery.h"
#include "prose/service/remote_ue_service.h"

namespace prose::agents {
namespace {

using service::KeyStore;
using service::StoredPruk;

class RemoteUeAgent {
 public:
  explicit RemoteUeAgent(RemoteUeAgentConfig c) : cfg_(std::move(c)), sl_(cfg_.sidelink) {}

  Status run() {
    PROSE_TRY(KeyStore store, KeyStore::load(cfg_.key_store, cfg_.kek));
    PROSE_TRY_STATUS(sl_.open());
    PROSE_TRY_STATUS(app_.bind(cfg_.app_port));
    mikey_ = std::make_unique<LoopbackUdp>();
    PROSE_TRY_STATUS(mikey_->bind(cfg_.mikey_port));
    // The loop watches what the phase reads: MIKEY from the start, the sidelink from discovery on, the
    // application's socket once there is a link.
    PROSE_TRY_STATUS(loop_.open());
    PROSE_TRY_STATUS(loop_.watch(mikey_->fd(), kMikeyTag));
    evt("start", cfg_.name + " IMSI " + cfg_.imsi + " L2 " + hex24(cfg_.l2_id) + " app port " +
                     std::to_string(app_.port()) + " MIKEY address 127.0.0.1:" + std::to_string(mikey_->port()));
    PROSE_TRY(crypto::Usim usim, crypto::Usim::create(cfg_.k.view(), cfg_.opc.view()));
    usim_ = std::make_shared<crypto::Usim>(std::move(usim));
    if (cfg_.gba) {
      PROSE_TRY(gba_, GbaUe::create(cfg_.name, *cfg_.gba, usim_));
    }
    std::optional<service::DiscoveryAuthorisation> pf_discovery;  // with a ProSe Function: protected discovery only
    if (cfg_.prose_function) {
      auto p = authorise(cfg_.name, *cfg_.prose_function, pc3::Role::kRemoteUe, cfg_.relay_service_code, gba_.get());
      if (!p.ok()) return g_stop ? Status{} : Status(p.error());
      use_pf_parameters(*p, cfg_.pkmf);
      pf_discovery = discovery_authorisation(*p, *cfg_.prose_function);
    }
    service::DiscoveryActions model_choice;  // the fallback when the ProSe Function does not allow the model
    disc_ = std::make_unique<service::RemoteUeDiscovery>(
        service::RemoteUeDiscoveryConfig{
            cfg_.name, cfg_.l2_id, cfg_.relay_service_code,
            cfg_.discovery == "B" ? service::DiscoveryModel::kB : service::DiscoveryModel::kA},
        pf_discovery, model_choice);
    run_discovery_actions(sl_, cfg_.l2_id, std::move(model_choice));
    service::RemoteUeServiceConfig sc;
    sc.name = cfg_.name;
    sc.imsi = cfg_.imsi;
    sc.l2_id = cfg_.l2_id;
    sc.relay_service_code = cfg_.relay_service_code;
    sc.usim = usim_;  // the agent's USIM (K and OPc stay in cfg_, wiped)
    sc.impi = replace_imsi(cfg_.impi_template);
    sc.pkmf_fqdn = cfg_.pkmf.fqdn;
    sc.mikey_accept_rfc3830_defaults = cfg_.mikey_accept_rfc3830_defaults;
    sc.rekey_every = cfg_.rekey_every;
    sc.rekey_auth = cfg_.rekey_auth;
    sc.export_link_keys = keylog_on();
    sc.ip = cfg_.ip.has_value();
    if (cfg_.ip) {
      PROSE_TRY(tun_, open_tun(*cfg_.ip));
      evt("ip", "IP mode: TUN " + tun_->name() + (cfg_.ip->netns.empty() ? "" : " in netns " + cfg_.ip->netns) +
                    ", MTU " + std::to_string(cfg_.ip->mtu - kIpSduOverhead) + "; its address comes by DHCPv4");
    }
    PROSE_TRY(svc_, service::RemoteUeService::create(std::move(sc), std::move(store)));
    PROSE_TRY(client_, make_client(cfg_.pkmf, gba_.get()));
    Status st = run_steps();
    // Giving up PRUK delivery (the agent stops): tell the PKMF first.
    if (cfg_.stop_pruk_delivery_on_exit && svc_->delivery_on()) (void)stop_delivery();
    return st;
  }

 private:
  Status run_steps() {
    if (cfg_.provision) PROSE_TRY_STATUS(provision());
    if (g_stop) return {};
    PROSE_TRY_STATUS(discover());
    if (g_stop) return {};
    return link_loop();
  }

  // Carries out the service's actions in order.
  Status run_actions(service::RemoteUeActions actions) {
    for (auto& a : actions) {
      if (auto* t = std::get_if<service::Transmit>(&a)) {
        send_pdu(sl_, cfg_.l2_id, t->dst, t->pdu, t->type);
      } else if (auto* m = std::get_if<service::TraceMessage>(&a)) {
        trace(*m);
      } else if (auto* e = std::get_if<service::TraceEvent>(&a)) {
        trace(*e);
      } else if (std::holds_alternative<service::SaveKeyStore>(a)) {
        PROSE_TRY_STATUS(svc_->store().save(cfg_.key_store, cfg_.kek));
      } else if (auto* s = std::get_if<service::SendMikey>(&a)) {
        mikey_->send_to(s->port, s->message);
        cap(mikey_->port(), mikey::kUdpPort, s->message);
      } else if (auto* d = std::get_if<service::DeliverToApp>(&a)) {
        if (tun_)
          (void)tun_->write(d->data);  // a full queue drops the packet, as a router would
        else if (app_peer_)
          app_.send_to(*app_peer_, d->data);
      } else if (auto* l = std::get_if<service::ApplyLease>(&a)) {
        if (tun_) {
          PROSE_TRY_STATUS(set_tun_ipv4(*tun_, *cfg_.ip, l->lease.address, l->lease.prefix_length));
          evt("ip",
              tun_->name() + " is " + l->lease.address.to_string() + "/" + std::to_string(l->lease.prefix_length));
          if (l->lease.router) {
            PROSE_TRY(std::string what, set_tun_default_route(*tun_, *cfg_.ip, *l->lease.router));
            evt("route", what);
          }
        }
      } else if (auto* v6 = std::get_if<service::ApplyIpv6>(&a)) {
        if (tun_) {
          PROSE_TRY_STATUS(set_tun_ipv6(*tun_, *cfg_.ip, v6->address, v6->prefix_length));
          evt("ip", tun_->name() + " is " + v6->address.to_string() + "/" + std::to_string(v6->prefix_length));
          if (v6->default_router) {
            PROSE_TRY(std::string what, set_tun_ipv6_default_route(*tun_, *cfg_.ip));
            evt("route", what);
          }
        }
      } else if (auto* k = std::get_if<service::ExportLinkKeys>(&a)) {
        log_link_keys(k->keys);
      }
    }
    return {};
  }

  // One PC8 Key Request for PRUK delivery (start or stop) with the current MIKEY address. kIo when the PKMF
  // cannot be reached, kDenied when it refuses.
  Status key_request(pc8::PrukDelivery delivery) {
    service::RemoteUeActions out;
    pc8::Request r = svc_->key_request(out, delivery, mikey_->port());
    PROSE_TRY_STATUS(run_actions(std::move(out)));
    auto resp = pc8_call(*client_, r, gba_.get());
    out.clear();
    Status st = svc_->on_key_response(out, delivery, resp);
    PROSE_TRY_STATUS(run_actions(std::move(out)));
    return st;
  }

  // Key Request (PRUK start) and the MIKEY delivery; retried every second while the PKMF cannot be reached.
  // Without a PRUK the UE waits for the delivery (10 s); a UE that already holds PRUKs takes a later push whenever
  // it comes (service()).
  Status provision() {
    while (!g_stop) {
      const StoredPruk* before = svc_->store().current(cfg_.pkmf.fqdn);
      const bool held = before != nullptr;
      const std::uint64_t before_id = held ? before->pruk_id : 0;
      Status st = key_request(pc8::PrukDelivery::kStart);
      if (!st.ok() && st.error().code == Errc::kIo) {
        evt("error", st.error().message + " (retrying)");
        ::sleep(1);
        continue;
      }
      PROSE_TRY_STATUS(st);
      if (held) return {};
      auto deadline = now() + link::Millis(10000);
      while (!g_stop && now() < deadline) {
        (void)loop_.wait(deadline);
        PROSE_TRY_STATUS(on_mikey());
        const StoredPruk* cur = svc_->store().current(cfg_.pkmf.fqdn);
        if (cur && cur->pruk_id != before_id) return {};
      }
      return g_stop ? Status{} : fail(Errc::kTimeout, "no MIKEY message within 10 s");
    }
    return {};
  }

  // Every MIKEY datagram waiting on the UE's MIKEY socket: open (PMK, Key Type ID, MAC, time, replay), answer the
  // verification request, store the PRUK. A retransmitted I_MESSAGE (the verification got lost) is answered again.

  // Every MIKEY datagram waiting on the UE's MIKEY socket.
  Status on_mikey() {
    while (auto m = mikey_->recv()) {
      // The pcap shows the PKMF side on MIKEY's registered port (whatever ephemeral port its sender used), so
      // Wireshark decodes it without "Decode As".
      cap(mikey::kUdpPort, mikey_->port(), m->first);
      PROSE_TRY_STATUS(run_actions(svc_->on_mikey(now(), m->first, m->second, mikey_->port(), mikey::ntp_now())));
    }
    return {};
  }

  // Tells the PKMF that this UE gives up PRUK delivery (PrukRequest with the stop indication).
  Status stop_delivery() {
    Status st = key_request(pc8::PrukDelivery::kStop);
    if (!st.ok()) {
      evt("error", "PRUK delivery stop not acknowledged: " + st.error().to_string());
      return st;
    }
    evt("delivery", "PRUK delivery stopped at PKMF " + cfg_.pkmf.fqdn);
    return {};
  }

  // The UE's address changed: a new MIKEY socket (bound before the old one closes, so the port differs), then a
  // new Key Request so that the PKMF sends later MIKEY messages there.
  Status change_address() {
    auto fresh = std::make_unique<LoopbackUdp>();
    PROSE_TRY_STATUS(fresh->bind(0));
    const std::uint16_t old_port = mikey_->port();
    loop_.unwatch(mikey_->fd());
    PROSE_TRY_STATUS(loop_.watch(fresh->fd(), kMikeyTag));
    mikey_ = std::move(fresh);
    evt("address", "UE address changed: MIKEY now at 127.0.0.1:" + std::to_string(mikey_->port()) + " (was " +
                       std::to_string(old_port) + ")");
    if (svc_->delivery_on()) svc_->schedule_key_request(now());
    return {};
  }

  // Work that is due whatever the UE is doing (discovery, link): address change, PRUK delivery stop, a Key Request
  // to retry, MIKEY pushes.
  Status service() {
    if (g_rebind.exchange(false)) PROSE_TRY_STATUS(change_address());
    if (g_stop_delivery.exchange(false)) {
      svc_->schedule_key_request(std::nullopt);
      (void)stop_delivery();
    }
    if (auto due = svc_->key_request_due(); due && now() >= *due) {
      Status st = key_request(pc8::PrukDelivery::kStart);
      PROSE_TRY_STATUS(run_actions(svc_->key_request_done(now(), st)));
    }
    return on_mikey();
  }

  // When service() has work next without a socket to wake the loop: a Key Request to retry.
  std::optional<link::TimePoint> service_deadline() const { return svc_->key_request_due(); }

  // Until the discovery service finds a relay (or gives up): the solicitations it sends (Model B), the frames it
  // reads, the discovery keys it needs from the PKMF, and the work service() does meanwhile.
  Status discover() {
    PROSE_TRY_STATUS(loop_.watch(sl_.fd(), kSidelinkTag));
    disc_->start(now());
    service::ProtectedDiscovery* pd = disc_->protection();
    while (!g_stop && now() < disc_->give_up_at()) {
      if (pd) PROSE_TRY_STATUS(refresh_discovery_keys(cfg_.name, *client_, *pd, gba_.get()));
      run_discovery_actions(sl_, cfg_.l2_id, disc_->on_time(now(), unix_now()));
      // Until the next solicitation (Model B), Discovery Key Request, Key Request retry, frame, MIKEY message or
      // signal.
      (void)loop_.wait(earliest({disc_->give_up_at(), disc_->next_deadline(),
                                 pd ? std::optional(at_unix(pd->next_refresh())) : std::nullopt, service_deadline()}));
      PROSE_TRY_STATUS(service());
      while (auto f = sl_.recv()) {
        service::DiscoveryReceipt r = disc_->on_frame(unix_now(), f->src, f->dst, f->pdu);
        run_discovery_actions(sl_, cfg_.l2_id, std::move(r.actions));
        if (const service::RelayFound* found = r.found()) {
          relay_l2_ = found->l2;
          return {};
        }
      }
    }
    return g_stop ? Status{} : fail(Errc::kTimeout, "no relay for RSC " + hex24(cfg_.relay_service_code));
  }

  std::string replace_imsi(std::string t) const {
    auto pos = t.find("{imsi}");
    if (pos != std::string::npos) t.replace(pos, 6, cfg_.imsi);
    return t;
  }

  Status link_loop() {
    PROSE_TRY_STATUS(loop_.watch(app_.fd(), kAppTag));
    if (tun_) PROSE_TRY_STATUS(loop_.watch(tun_->fd(), kTunTag));
    for (int attempt = 1;; ++attempt) {
      Status st = link_attempt();
      if (st.ok() || g_stop || !svc_->try_again(attempt)) return st;
      evt("info", "setting the link up again (attempt " + std::to_string(attempt + 1) + " of " +
                      std::to_string(service::RemoteUeService::kSetupAttempts) + ")");
    }
  }

  Status link_attempt() {
    PROSE_TRY(auto started, svc_->start_link(now(), relay_l2_));
    PROSE_TRY_STATUS(run_actions(std::move(started)));
    while (!g_stop && !svc_->link_done()) {
      (void)loop_.wait(earliest({svc_->next_deadline(), service_deadline()}));
      PROSE_TRY_STATUS(service());
      PROSE_TRY_STATUS(run_actions(svc_->on_time(now())));
      while (auto f = sl_.recv()) PROSE_TRY_STATUS(run_actions(svc_->on_frame(now(), f->src, f->dst, f->pdu)));
      while (auto a = app_.recv()) {
        app_peer_ = a->second;
        PROSE_TRY_STATUS(run_actions(svc_->send_data(now(), a->first)));
      }
      // IP mode: what the kernel routed into the TUN goes on the link (dropped by the service before the lease).
      for (int i = 0; tun_ && i < kTunBatch; ++i) {
        PROSE_TRY(auto packet, tun_->read());
        if (!packet) break;
        PROSE_TRY_STATUS(run_actions(svc_->send_data(now(), *packet)));
      }
    }
    if (g_stop) (void)run_actions(svc_->release(now()));
    return svc_->failure().empty() ? Status{} : Status(fail(Errc::kDenied, svc_->failure()));
  }

  static constexpr std::uint64_t kMikeyTag = 1, kSidelinkTag = 2, kAppTag = 3, kTunTag = 4;
  static constexpr int kTunBatch = 256;  // IP mode: packets read from the TUN per wake-up at most

  RemoteUeAgentConfig cfg_;
  EventLoop loop_;  // before the sockets: outlives them
  Sidelink sl_;
  LoopbackUdp app_;
  std::unique_ptr<LoopbackUdp> mikey_;  // replaced when the UE's address changes
  std::shared_ptr<crypto::Usim> usim_;  // one USIM for GBA Push (the service) and Ub bootstrapping (gba_)
  std::unique_ptr<GbaUe> gba_;          // [gba]: before client_, which uses it
  std::unique_ptr<net::HttpsClient> client_;
  std::unique_ptr<service::RemoteUeService> svc_;
  std::unique_ptr<service::RemoteUeDiscovery> disc_;
  std::uint32_t relay_l2_ = 0;
  std::optional<std::uint16_t> app_peer_;
  std::unique_ptr<ip_tun::TunDevice> tun_;  // IP mode
};

}  // namespace

Status run_remote_ue(RemoteUeAgentConfig cfg) {
  PROSE_TRY_STATUS(install_signals());
  g_capture = cfg.log.capture;
  PROSE_TRY_STATUS(open_keylog(cfg.log));
  RemoteUeAgent a(std::move(cfg));
  return a.run();
}

}  // namespace prose::agents
