#include "prose/service/relay_service.h"

#include <algorithm>
#include <utility>

#include "prose/gba/gpi.h"
#include "prose/ids/ids.h"
#include "prose/ip/ndp.h"
#include "prose/service/pc8_causes.h"
#include "prose/util/hex.h"
#include "prose/util/random.h"

namespace prose::service {
namespace {

// ", P-TID <hex>" of a GPI (the PRUK ID it delivers), or "" when it does not decode.
std::string gpi_p_tid(ByteView gpi) {
  auto d = gba::decode_gpi(gpi);
  return d.ok() ? ", P-TID " + to_hex_u64(d->gpi.p_tid) : std::string();
}

std::string ue_name(std::uint32_t l2) { return "ue@" + hex24(l2); }

}  // namespace

RelayService::RelayService(RelayServiceConfig cfg)
    : cfg_(std::move(cfg)), ids_(std::make_shared<link::KdSessIdRegistry>()) {}

Status RelayService::enable_ip(const RelayIpConfig& cfg) {
  PROSE_TRY(ip_, RelayIp::create(cfg));
  return {};
}

RelayActions RelayService::on_network(link::TimePoint now, ByteView packet) {
  RelayActions out;
  if (!ip_) return out;
  ip::RouteDecision d = ip_->downlink(packet);
  auto it = d.link ? peers_.find(d.link->value) : peers_.end();
  if (d.action != ip::RouteAction::kToLink || it == peers_.end() || it->second.dead) {
    evt(out, "ip-drop",
        "downlink " + std::string(ip::drop_reason_name(d.reason)) + (d.detail.empty() ? "" : ": " + d.detail));
    return out;
  }
  auto r = it->second.machine->send_data(now, packet, pdcp::SduType::kIp);
  if (!r.ok()) return out;  // the link is not (or no longer) established
  bytes_down_ += packet.size();
  handle(out, now, it->first, std::move(*r));
  return out;
}

const link::Relay* RelayService::machine(std::uint32_t l2) const {
  auto it = peers_.find(l2);
  return it == peers_.end() ? nullptr : it->second.machine.get();
}

void RelayService::msc(RelayActions& out, std::string from, std::string to, std::string text) const {
  out.emplace_back(TraceMessage{std::move(from), std::move(to), std::move(text)});
}
void RelayService::evt(RelayActions& out, std::string name, std::string text) const {
  out.emplace_back(TraceEvent{std::move(name), std::move(text)});
}

RelayActions RelayService::on_frame(link::TimePoint now, std::uint32_t src, std::uint32_t dst, ByteView pdu) {
  RelayActions out;
  if (dst != cfg_.l2_id) return out;
  auto it = peers_.find(src);
  if (it == peers_.end() || it->second.dead) {
    link::RelayConfig rc;
    rc.relay_service_code = ids::RelayServiceCode{cfg_.relay_service_code};
    rc.ids = ids_;
    if (ip_) rc.ip_address_config = ip_->address_config();
    if (!cfg_.ciphering.empty()) rc.policy.ciphering = cfg_.ciphering;
    auto m = link::Relay::create(std::move(rc));
    if (!m.ok()) return out;
    Peer p;
    p.machine = std::move(*m);
    if (it != peers_.end()) erase_peer(out, it);
    it = peers_.emplace(src, std::move(p)).first;
  }
  auto before = it->second.machine->state();
  link::Output o = it->second.machine->on_pdu(now, pdu);
  if (before == link::RelayState::kWaitDsmComplete && it->second.machine->state() == link::RelayState::kEstablished)
    msc(out, cfg_.name, ue_name(src), "Direct Communication Accept");
  handle(out, now, src, std::move(o));
  return out;
}

RelayActions RelayService::upstream_opened(link::TimePoint /*now*/, std::uint32_t l2) {
  RelayActions out;
  auto it = peers_.find(l2);
  if (it == peers_.end()) return out;
  Peer& p = it->second;
  p.upstream = true;
  if (auto n = std::exchange(p.need, std::nullopt)) request_kd(out, l2, p, *n);
  return out;
}

RelayActions RelayService::upstream_failed(link::TimePoint now, std::uint32_t l2, const std::string& reason) {
  RelayActions out;
  auto it = peers_.find(l2);
  if (it == peers_.end() || !it->second.need) return out;
  Peer& p = it->second;
  p.need.reset();
  // Every link relays through its own upstream socket: without one (e.g. out of file descriptors) the relay cannot
  // serve this Remote UE and says so instead of staying silent.
  evt(out, "error",
      ue_name(l2) + ": cannot serve its Direct Communication Request: no upstream socket (" + reason + ")");
  msc(out, ue_name(l2), cfg_.name, "(Direct Communication Request received)");
  p.reject_reason = "no upstream socket";
  handle(out, now, l2, reject(out, now, l2, p, pc5::Cause::kLackOfResources));
  return out;
}

RelayActions RelayService::on_upstream(link::TimePoint now, std::uint32_t l2, ByteView datagram) {
  RelayActions out;
  auto it = peers_.find(l2);
  if (it == peers_.end() || !it->second.upstream) return out;
  auto r = it->second.machine->send_data(now, datagram);
  if (!r.ok()) return out;
  bytes_down_ += datagram.size();
  if (cfg_.trace_user_data)
    msc(out, cfg_.name, ue_name(l2),
        "user data from upstream (" + std::to_string(datagram.size()) + " octets, protected)");
  handle(out, now, l2, std::move(*r));
  return out;
}

RelayActions RelayService::on_kd_response(link::TimePoint now, std::uint64_t request,
                                          const Result<pc8::Response>& response) {
  RelayActions out;
  auto req = requests_.find(request);
  if (req == requests_.end()) return out;  // unknown, or answered before
  const std::uint32_t l2 = req->second;
  requests_.erase(req);
  auto it = peers_.find(l2);
  if (it == peers_.end() || it->second.kd_request != request) return out;  // link gone or asked again meanwhile
  it->second.kd_request = 0;
  handle(out, now, it->first, kd_outcome(out, now, it->first, it->second, response));
  return out;
}

RelayActions RelayService::on_time(link::TimePoint now) {
  RelayActions out;
  for (const auto& d : timers_.take_due(now)) {
    auto it = peers_.find(d.owner);
    if (it != peers_.end()) handle(out, now, d.owner, it->second.machine->on_timer(now, d.id));
  }
  return out;
}

RelayActions RelayService::sweep() {
  RelayActions out;
  for (std::uint32_t l2 : dead_) {
    auto it = peers_.find(l2);
    if (it != peers_.end() && it->second.dead) erase_peer(out, it);
  }
  dead_.clear();
  return out;
}

void RelayService::erase_peer(RelayActions& out, Peers::iterator it) {
  if (ip_) ip_->link_ended(it->first);
  if (it->second.upstream) out.emplace_back(CloseUpstream{it->first});
  timers_.remove(it->first);
  peers_.erase(it);
}

void RelayService::mark_dead(std::uint32_t l2, Peer& p) {
  if (!p.dead) dead_.push_back(l2);
  p.dead = true;
}

void RelayService::on_ip_sdu(RelayActions& out, link::TimePoint now, std::uint32_t l2, Peer& p, Bytes sdu) {
  RelayIp::Uplink u = ip_->uplink(l2, sdu);
  if (u.to_network) {
    bytes_up_ += sdu.size();
    out.emplace_back(ToNetwork{l2, std::move(sdu)});
  } else if (u.reply) {
    if (ip::ndp::icmpv6_type(*u.reply) == ip::ndp::kTypeRouterAdvertisement) {
      msc(out, ue_name(l2), cfg_.name, "Router Solicitation");
      send_router_advertisement(out, now, l2, p, std::move(*u.reply));
      return;
    }
    auto m = ip::dhcpv4::from_packet(*u.reply);
    const std::string what = m.ok() ? std::string(ip::dhcpv4::message_type_name(m->message.type)) : "DHCPv4 reply";
    msc(out, cfg_.name, ue_name(l2),
        what + (m.ok() ? " " + m->message.yiaddr.to_string() : "") + " (" + std::to_string(u.reply->size()) +
            " octets, protected)");
    auto r = p.machine->send_data(now, *u.reply, pdcp::SduType::kIp);
    if (r.ok()) handle(out, now, l2, std::move(*r));
  } else {
    evt(out, "ip-drop", ue_name(l2) + ": uplink " + u.dropped);
  }
}

void RelayService::send_router_advertisement(RelayActions& out, link::TimePoint now, std::uint32_t l2, Peer& p,
                                             Bytes ra) {
  msc(out, cfg_.name, ue_name(l2),
      "Router Advertisement (prefix " + ip_->ipv6()->prefix().to_string() + ", " + std::to_string(ra.size()) +
          " octets, protected)");
  auto r = p.machine->send_data(now, ra, pdcp::SduType::kIp);
  if (r.ok()) handle(out, now, l2, std::move(*r));
}

void RelayService::handle(RelayActions& out, link::TimePoint now, std::uint32_t l2, link::Output o) {
  auto it = peers_.find(l2);
  if (it == peers_.end()) return;
  Peer& p = it->second;
  for (std::size_t i = 0; i < o.pdus.size(); ++i)
    out.emplace_back(Transmit{l2, std::move(o.pdus[i]), i < o.pdu_types.size() ? o.pdu_types[i] : std::uint8_t{0}});
  timers_.apply(l2, o.timers);
  for (auto& e : o.events) {
    if (auto* n = std::get_if<link::NeedKd>(&e)) {
      if (!p.upstream && !ip_) {  // IP mode: the network side is the relay's TUN, always there
        p.need = *n;
        out.emplace_back(OpenUpstream{l2});
        continue;
      }
      request_kd(out, l2, p, *n);
    } else if (auto* d = std::get_if<link::DataReceived>(&e)) {
      if (ip_) {
        on_ip_sdu(out, now, l2, p, std::move(d->data));
        continue;
      }
      bytes_up_ += d->data.size();
      if (cfg_.trace_user_data)
        msc(out, cfg_.name, "upstream",
            "user data of " + ue_name(l2) + " (" + std::to_string(d->data.size()) +
                " octets) to 127.0.0.1:" + std::to_string(cfg_.upstream_port));
      out.emplace_back(SendUpstream{l2, std::move(d->data)});
    } else if (auto* s = std::get_if<link::LinkSecured>(&e)) {
      if (const auto* ctx = p.machine->current_context(); cfg_.export_link_keys && ctx != nullptr) {
        keylog::LinkKeys k;
        k.remote_ue_l2 = ids::Layer2Id{l2};
        k.relay_l2 = ids::Layer2Id{cfg_.l2_id};
        k.kd_sess_id = ctx->kd_sess_id();
        k.eea = static_cast<std::uint8_t>(ctx->algorithms().eea);
        k.eia = static_cast<std::uint8_t>(ctx->algorithms().eia);
        k.pek = ctx->pek().clone();
        k.pik = ctx->pik().clone();
        out.emplace_back(ExportLinkKeys{std::move(k)});
      }
      evt(out, s->rekey ? "rekeyed" : "secured",
          ue_name(l2) + " KD-sess ID " + hex16(s->kd_sess_id.value) + ", KD ID " + hex32(s->kd_id.value));
      if (ip_ && !s->rekey) {  // IPv6: the /64 advertised on the new link, right after its DCA
        if (auto ra = ip_->link_up(l2)) send_router_advertisement(out, now, l2, p, std::move(*ra));
      }
    } else if (auto* f = std::get_if<link::SetupFailed>(&e)) {
      evt(out, "failed",
          ue_name(l2) + " setup failed: cause #" + std::to_string(static_cast<int>(f->cause)) + " " +
              (p.reject_reason.empty() ? f->detail : p.reject_reason));
      mark_dead(l2, p);
    } else if (std::get_if<link::LinkReleased>(&e)) {
      evt(out, "released", ue_name(l2));
      mark_dead(l2, p);
    } else if (auto* dr = std::get_if<link::PduDropped>(&e)) {
      evt(out, "dropped", ue_name(l2) + ": " + dr->detail);
    } else if (auto* rt = std::get_if<link::Retransmitted>(&e)) {
      evt(out, "retransmit", rt->what + " attempt " + std::to_string(rt->attempt) + " (to " + ue_name(l2) + ")");
    }
  }
}

link::Output RelayService::reject(RelayActions& out, link::TimePoint now, std::uint32_t l2, Peer& p, pc5::Cause cause) {
  msc(out, cfg_.name, ue_name(l2),
      "Direct Communication Reject (cause #" + std::to_string(static_cast<int>(cause)) + ")");
  auto o = p.machine->kd_error(now, cause);
  return o.ok() ? std::move(*o) : link::Output{};
}

void RelayService::request_kd(RelayActions& out, std::uint32_t l2, Peer& p, const link::NeedKd& n) {
  pc8::KdRequest r;
  r.transaction_id.value = random_u32();
  std::string who;
  if (n.long_term_id.type == pc5::UserInfoType::kPrukId) {
    r.remote_ue = ids::PrukId{n.long_term_id.pruk_id};
    who = "PRUK ID " + n.long_term_id.pruk_id.hex();
  } else {
    r.remote_ue = pc8::Imsi{n.long_term_id.imsi};
    who = "IMSI " + n.long_term_id.imsi;
  }
  r.relay_service_code.value = cfg_.relay_service_code;
  if (auto nn = ids::Nonce1::from_bytes(ByteView(n.nonce_1.data(), n.nonce_1.size()), "nonce"); nn.ok())
    r.nonce_1 = *nn;
  if (n.rand && n.auts) {
    auto ra = ids::Rand::from_bytes(ByteView(n.rand->data(), n.rand->size()), "rand");
    auto au = ids::Auts::from_bytes(ByteView(n.auts->data(), n.auts->size()), "auts");
    if (ra.ok() && au.ok()) r.resync = pc8::Resync{*ra, *au};
    who += ", resynchronisation";
  }
  msc(out, ue_name(l2), cfg_.name, "(Direct Communication Request received: " + who + ")");
  msc(out, cfg_.name, "PKMF", "PC8 Key Request (" + who + ", RSC " + hex24(cfg_.relay_service_code) + ")");
  p.kd_request = next_request_++;
  requests_.emplace(p.kd_request, l2);
  out.emplace_back(RequestKd{p.kd_request, l2, pc8::Request(std::move(r))});
}

link::Output RelayService::kd_outcome(RelayActions& out, link::TimePoint now, std::uint32_t l2, Peer& p,
                                      const Result<pc8::Response>& resp) {
  pc5::Cause cause = kCauseWhenPkmfAnsweredOtherType;
  if (!resp.ok()) {
    evt(out, "error", "PKMF request failed: " + resp.error().to_string());
    cause = kCauseWhenPkmfFailed;
  } else if (auto* kr = std::get_if<pc8::KdResponse>(&*resp)) {
    if (auto* g = std::get_if<pc8::KdGrant>(&kr->outcome)) {
      const std::string freshness = g->kd_freshness.hex();
      const std::string gpi =
          g->gpi ? ", GPI " + std::to_string(g->gpi->size()) + " octets" + gpi_p_tid(*g->gpi) : std::string();
      msc(out, "PKMF", cfg_.name,
          "PC8 Key Response (KD " + g->kd.fingerprint() + ", KD freshness " + freshness + gpi + ")");
      link::KdGrant lg;
      lg.kd = g->kd.clone();
      std::copy(g->kd_freshness.bytes.begin(), g->kd_freshness.bytes.end(), lg.kd_freshness.begin());
      lg.gpi = g->gpi;
      evt(out, "kd", ue_name(l2) + " KD " + g->kd.fingerprint());
      auto o = p.machine->kd_available(now, std::move(lg));
      if (o.ok()) {
        msc(out, cfg_.name, ue_name(l2), "Direct Security Mode Command (KD freshness " + freshness + gpi + ")");
        return std::move(*o);
      }
      return {};
    }
    auto code = std::get<pc8::ErrorCode>(kr->outcome);
    msc(out, "PKMF", cfg_.name, "PC8 Key Response (error " + std::string(pc8::error_code_name(code)) + ")");
    cause = pc5_cause_for(code);
  }
  return reject(out, now, l2, p, cause);
}

}  // namespace prose::service
