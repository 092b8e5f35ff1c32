#include "prose/service/remote_ue_discovery.h"

#include <utility>

#include "prose/discovery/plain.h"

namespace prose::service {

RemoteUeDiscovery::RemoteUeDiscovery(RemoteUeDiscoveryConfig cfg, std::optional<DiscoveryAuthorisation> pf,
                                     DiscoveryActions& out)
    : cfg_(std::move(cfg)) {
  if (!pf) return;
  const bool a = cfg_.model == DiscoveryModel::kA;
  if ((a && !pf->model_a) || (!a && !pf->model_b)) {
    const DiscoveryModel other = a ? DiscoveryModel::kB : DiscoveryModel::kA;
    out.push_back(TraceEvent{"info", std::string("the ProSe Function does not allow Model ") + model_name(cfg_.model) +
                                         " for this RSC: using Model " + model_name(other)});
    cfg_.model = other;
  }
  pd_.emplace(cfg_.relay_service_code, pf->security);
}

void RemoteUeDiscovery::start(link::TimePoint now) {
  next_solicit_ = now;
  give_up_at_ = now + kTimeout;
  last_counter_.reset();
}

std::optional<link::TimePoint> RemoteUeDiscovery::next_deadline() const {
  if (cfg_.model != DiscoveryModel::kB) return std::nullopt;
  return next_solicit_;
}

DiscoveryActions RemoteUeDiscovery::on_time(link::TimePoint now, std::int64_t unix_s) {
  DiscoveryActions out;
  if (cfg_.model != DiscoveryModel::kB || now < next_solicit_) return out;
  solicit(out, unix_s);
  next_solicit_ = now + (pd_ ? kProtectedSolicitInterval : kSolicitInterval);
  return out;
}

void RemoteUeDiscovery::solicit(DiscoveryActions& out, std::int64_t unix_s) {
  const std::string rsc = hex24(cfg_.relay_service_code);
  if (!pd_) {
    using discovery::DiscoveryType;
    auto d = discovery::encode_discovery(discovery::Discovery{DiscoveryType::kSolicitation, cfg_.relay_service_code});
    out.push_back(
        TraceMessage{cfg_.name, "*", std::string(discovery_name(DiscoveryType::kSolicitation)) + " RSC " + rsc});
    out.push_back(Transmit{discovery::kBroadcastL2Id, std::move(*d), 0});
    return;
  }
  const std::uint32_t counter = discovery::utc_counter(unix_s);
  if (last_counter_ == counter) return;
  discovery::DiscoveryMessage m;
  m.type = discovery::MessageType::kSolicitation;
  m.relay_service_code = cfg_.relay_service_code;
  m.user_info_id = cfg_.l2_id;  // discoverer info: the UE's layer-2 ID (emulation)
  auto pdu = pd_->protect(m, unix_s);
  if (!pdu.ok()) {
    out.push_back(TraceEvent{"error", "solicitation not sent: " + pdu.error().to_string()});
    return;
  }
  last_counter_ = counter;
  out.push_back(TraceMessage{cfg_.name, "*",
                             "Discovery Solicitation (Model B, protected: MIC, DUCK, DUSK; RSC " + rsc + ", counter " +
                                 std::to_string(counter) + ")"});
  out.push_back(Transmit{discovery::kBroadcastL2Id, std::move(*pdu), 0});
}

DiscoveryReceipt RemoteUeDiscovery::on_frame(std::int64_t unix_s, std::uint32_t src, std::uint32_t dst, ByteView pdu) {
  DiscoveryReceipt r;
  if (dst != discovery::kBroadcastL2Id && dst != cfg_.l2_id) {
    r.outcome = FrameIgnored{"addressed to another UE"};
    return r;
  }
  r.outcome = pd_ ? on_protected(r.actions, unix_s, src, pdu) : on_plain(src, pdu);
  if (const RelayFound* f = r.found())
    r.actions.push_back(TraceEvent{"discovered", "relay L2 " + hex24(f->l2) + " by " + f->how});
  return r;
}

// Unprotected discovery (no ProSe Function).
std::variant<FrameIgnored, RelayFound> RemoteUeDiscovery::on_plain(std::uint32_t src, ByteView pdu) const {
  using discovery::DiscoveryType;
  auto d = discovery::decode_discovery(pdu);
  if (!d.ok()) return FrameIgnored{"not a discovery message: " + d.error().to_string()};
  if (d->relay_service_code != cfg_.relay_service_code) return FrameIgnored{"another Relay Service Code"};
  if (d->type == DiscoveryType::kSolicitation) return FrameIgnored{"a solicitation (for relays)"};
  if (cfg_.model == DiscoveryModel::kB && d->type != DiscoveryType::kResponse)
    return FrameIgnored{"an announcement under Model B"};
  return RelayFound{src, discovery::discovery_name(d->type)};
}

// Protected discovery: only a PDU that verifies with the RSC's keys, inside the counter window, not replayed, whose
// relay UE ID is the frame's source. A PDU that fails these checks is logged at debug (IgnoredLog).
std::variant<FrameIgnored, RelayFound> RemoteUeDiscovery::on_protected(DiscoveryActions& out, std::int64_t unix_s,
                                                                       std::uint32_t src, ByteView pdu) {
  auto m = pd_->accept(pdu, unix_s);
  if (!m.ok()) {
    ignored_.note(out, src, m.error());
    return FrameIgnored{m.error().to_string(), m.error().code};
  }
  if (m->type == discovery::MessageType::kSolicitation) return FrameIgnored{"a solicitation (for relays)"};
  if (cfg_.model == DiscoveryModel::kB && m->type != discovery::MessageType::kResponse)
    return FrameIgnored{"an announcement under Model B"};
  if (m->l2_id != src) {
    Error e{Errc::kMalformed, "relay UE ID " + hex24(m->l2_id) + " is not the sender's", {}};
    ignored_.note(out, src, e);
    return FrameIgnored{e.to_string(), e.code};
  }
  const bool a = m->type == discovery::MessageType::kAnnouncement;
  out.push_back(TraceMessage{"relay@" + hex24(src), cfg_.name,
                             std::string(a ? "Discovery Announcement (Model A" : "Discovery Response (Model B") +
                                 ", protected; MIC verified, RSC " + hex24(m->relay_service_code) + ")"});
  return RelayFound{src, a ? "protected Discovery Announcement (Model A)" : "protected Discovery Response (Model B)"};
}

}  // namespace prose::service
