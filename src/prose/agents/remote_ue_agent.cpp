// The Remote UE agent (docs/agents.md "Remote UE"): the I/O around prose/service's RemoteUeService (the sidelink,
// the application and MIKEY sockets, PC8 to the PKMF, the key store file), the ProSe Function and discovery. The
// protocol decisions (Key Request and MIKEY, key store rules, link setup, IMSI fallback, attempts) are the
// service's.
#include <unistd.h>

#include <memory>
#include <optional>
#include <string>

#include "prose/agents/agents.h"
#include "prose/agents/event_loop.h"
#include "prose/agents/frame.h"
#include "prose/agents/loopback_udp.h"
#include "prose/agents/pkmf_client.h"
#include "prose/agents/prose_function.h"
#include "prose/agents/sidelink.h"
#include "prose/agents/trace.h"
#include "prose/mikey/constants.h"
#include "prose/service/key_store.h"
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
    if (cfg_.prose_function) {
      auto p = authorise(cfg_.name, *cfg_.prose_function, pc3::Role::kRemoteUe, cfg_.relay_service_code, gba_.get());
      if (!p.ok()) return g_stop ? Status{} : Status(p.error());
      use_pf_parameters(*p, cfg_.pkmf);
      if ((cfg_.discovery == "A" && !p->model_a) || (cfg_.discovery == "B" && !p->model_b)) {
        const std::string other = cfg_.discovery == "A" ? "B" : "A";
        evt("info",
            "the ProSe Function does not allow Model " + cfg_.discovery + " for this RSC: using Model " + other);
        cfg_.discovery = other;
      }
      pd_ = std::make_unique<ProtectedDiscovery>(cfg_.relay_service_code, security_settings(*p, *cfg_.prose_function));
    }
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
        if (app_peer_) app_.send_to(*app_peer_, d->data);
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

  Status discover() {
    PROSE_TRY_STATUS(loop_.watch(sl_.fd(), kSidelinkTag));
    auto deadline = now() + link::Millis(30000);
    auto next_solicit = now();
    std::optional<std::uint32_t> last_counter;  // a protected solicitation at most once per counter value
    while (!g_stop && now() < deadline) {
      if (pd_) PROSE_TRY_STATUS(refresh_discovery_keys(cfg_.name, *client_, *pd_, gba_.get()));
      if (cfg_.discovery == "B" && now() >= next_solicit) {
        send_solicitation(last_counter);
        next_solicit = now() + link::Millis(pd_ ? 1000 : 500);
      }
      // Until the next solicitation (Model B), Discovery Key Request, Key Request retry, frame, MIKEY message or
      // signal.
      (void)loop_.wait(
          earliest({deadline, cfg_.discovery == "B" ? std::optional(next_solicit) : std::nullopt,
                    pd_ ? std::optional(at_unix(pd_->next_refresh())) : std::nullopt, service_deadline()}));
      PROSE_TRY_STATUS(service());
      while (auto f = sl_.recv()) {
        if (f->dst != kBroadcastL2Id && f->dst != cfg_.l2_id) continue;
        if (auto found = pd_ ? on_protected_discovery(*f) : on_discovery(*f)) {
          relay_l2_ = found->first;
          evt("discovered", "relay L2 " + hex24(relay_l2_) + " by " + found->second);
          return {};
        }
      }
    }
    return g_stop ? Status{} : fail(Errc::kTimeout, "no relay for RSC " + hex24(cfg_.relay_service_code));
  }

  void send_solicitation(std::optional<std::uint32_t>& last_counter) {
    if (!pd_) {
      auto d = encode_discovery(Discovery{DiscoveryType::kSolicitation, cfg_.relay_service_code});
      msc(cfg_.name, "*",
          std::string(discovery_name(DiscoveryType::kSolicitation)) + " RSC " + hex24(cfg_.relay_service_code));
      sl_.send(cfg_.l2_id, kBroadcastL2Id, *d);
      return;
    }
    const std::int64_t t = unix_now();
    const std::uint32_t counter = discovery::utc_counter(t);
    if (last_counter == counter) return;
    discovery::DiscoveryMessage m;
    m.type = discovery::MessageType::kSolicitation;
    m.relay_service_code = cfg_.relay_service_code;
    m.user_info_id = cfg_.l2_id;  // discoverer info: the UE's layer-2 ID (emulation)
    auto pdu = pd_->protect(m, t);
    if (!pdu.ok()) {
      evt("error", "solicitation not sent: " + pdu.error().to_string());
      return;
    }
    last_counter = counter;
    msc(cfg_.name, "*",
        "Discovery Solicitation (Model B, protected: MIC, DUCK, DUSK; RSC " + hex24(cfg_.relay_service_code) +
            ", counter " + std::to_string(counter) + ")");
    sl_.send(cfg_.l2_id, kBroadcastL2Id, *pdu);
  }

  // Unprotected discovery (no ProSe Function): the relay's L2 ID and how it was found.
  std::optional<std::pair<std::uint32_t, std::string>> on_discovery(const Frame& f) {
    auto d = decode_discovery(f.pdu);
    if (!d.ok() || d->relay_service_code != cfg_.relay_service_code) return std::nullopt;
    if (d->type == DiscoveryType::kSolicitation) return std::nullopt;
    if (cfg_.discovery == "B" && d->type != DiscoveryType::kResponse) return std::nullopt;
    return std::make_pair(f.src, std::string(discovery_name(d->type)));
  }

  // Protected discovery: only a PDU that verifies with the RSC's keys, inside the counter window, not replayed,
  // whose relay UE ID is the frame's source. Anything else is logged at debug and ignored.
  std::optional<std::pair<std::uint32_t, std::string>> on_protected_discovery(const Frame& f) {
    auto m = pd_->accept(f.pdu, unix_now());
    if (!m.ok()) {
      ignored_.note(f.src, m.error());
      return std::nullopt;
    }
    if (m->type == discovery::MessageType::kSolicitation) return std::nullopt;
    if (cfg_.discovery == "B" && m->type != discovery::MessageType::kResponse) return std::nullopt;
    if (m->l2_id != f.src) {
      ignored_.note(f.src, Error{Errc::kMalformed, "relay UE ID " + hex24(m->l2_id) + " is not the sender's", {}});
      return std::nullopt;
    }
    const bool a = m->type == discovery::MessageType::kAnnouncement;
    msc("relay@" + hex24(f.src), cfg_.name,
        std::string(a ? "Discovery Announcement (Model A" : "Discovery Response (Model B") +
            ", protected; MIC verified, RSC " + hex24(m->relay_service_code) + ")");
    return std::make_pair(f.src, std::string(a ? "protected Discovery Announcement (Model A)"
                                               : "protected Discovery Response (Model B)"));
  }

  std::string replace_imsi(std::string t) const {
    auto pos = t.find("{imsi}");
    if (pos != std::string::npos) t.replace(pos, 6, cfg_.imsi);
    return t;
  }

  Status link_loop() {
    PROSE_TRY_STATUS(loop_.watch(app_.fd(), kAppTag));
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
    }
    if (g_stop) (void)run_actions(svc_->release(now()));
    return svc_->failure().empty() ? Status{} : Status(fail(Errc::kDenied, svc_->failure()));
  }

  static constexpr std::uint64_t kMikeyTag = 1, kSidelinkTag = 2, kAppTag = 3;

  RemoteUeAgentConfig cfg_;
  EventLoop loop_;  // before the sockets: outlives them
  Sidelink sl_;
  LoopbackUdp app_;
  std::unique_ptr<LoopbackUdp> mikey_;  // replaced when the UE's address changes
  std::shared_ptr<crypto::Usim> usim_;  // one USIM for GBA Push (the service) and Ub bootstrapping (gba_)
  std::unique_ptr<GbaUe> gba_;          // [gba]: before client_, which uses it
  std::unique_ptr<net::HttpsClient> client_;
  std::unique_ptr<service::RemoteUeService> svc_;
  std::unique_ptr<ProtectedDiscovery> pd_;  // with a ProSe Function: protected discovery only
  IgnoredLog ignored_;
  std::uint32_t relay_l2_ = 0;
  std::optional<std::uint16_t> app_peer_;
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
