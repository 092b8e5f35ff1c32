#include "prose/service/relay_discovery.h"

#include <utility>

#include "prose/discovery/plain.h"

namespace prose::service {

RelayDiscovery::RelayDiscovery(RelayDiscoveryConfig cfg, std::optional<DiscoveryAuthorisation> pf)
    : cfg_(std::move(cfg)) {
  if (!pf) return;
  if (pf->announce_ms != 0) cfg_.announce_ms = pf->announce_ms;
  model_a_ = pf->model_a;
  model_b_ = pf->model_b;
  pd_.emplace(cfg_.relay_service_code, pf->security);
}

bool RelayDiscovery::takes(std::uint32_t dst) { return dst == discovery::kBroadcastL2Id; }

DiscoveryActions RelayDiscovery::on_time(link::TimePoint now, std::int64_t unix_s) {
  DiscoveryActions out;
  if (now < next_announce_) return out;
  announce(out, unix_s);
  next_announce_ = now + link::Millis(cfg_.announce_ms);
  return out;
}

// Model A: the announcement (protected with a ProSe Function: at most one per counter value, as the same message at
// the same counter is the same PDU, which receivers would drop as a replay).
void RelayDiscovery::announce(DiscoveryActions& out, std::int64_t unix_s) {
  const std::string rsc = hex24(cfg_.relay_service_code);
  if (!pd_) {
    using discovery::DiscoveryType;
    auto d = discovery::encode_discovery(discovery::Discovery{DiscoveryType::kAnnouncement, cfg_.relay_service_code});
    if (first_announce_)
      out.push_back(TraceMessage{cfg_.name, "*",
                                 std::string(discovery::discovery_name(DiscoveryType::kAnnouncement)) + " RSC " + rsc +
                                     " (every " + std::to_string(cfg_.announce_ms) + " ms)"});
    first_announce_ = false;
    out.push_back(Transmit{discovery::kBroadcastL2Id, std::move(*d), 0});
    return;
  }
  if (!model_a_) return;
  const std::uint32_t counter = discovery::utc_counter(unix_s);
  if (last_announce_counter_ == counter) return;
  auto pdu = pd_->protect(relay_message(discovery::MessageType::kAnnouncement), unix_s);
  if (!pdu.ok()) {
    if (!announce_error_logged_) out.push_back(TraceEvent{"error", "no announcement: " + pdu.error().to_string()});
    announce_error_logged_ = true;
    return;
  }
  announce_error_logged_ = false;
  last_announce_counter_ = counter;
  if (first_announce_)
    out.push_back(TraceMessage{
        cfg_.name, "*",
        "Discovery Announcement (Model A, protected: MIC, DUCK, DUSK; RSC " + rsc + ", PSDK ID " +
            (pd_->psdk_id() ? pc8::PsdkId{*pd_->psdk_id()}.hex() : std::string("-")) + ", at most once a second)"});
  first_announce_ = false;
  out.push_back(Transmit{discovery::kBroadcastL2Id, std::move(*pdu), 0});
}

discovery::DiscoveryMessage RelayDiscovery::relay_message(discovery::MessageType type) const {
  discovery::DiscoveryMessage m;
  m.type = type;
  m.relay_service_code = cfg_.relay_service_code;
  m.user_info_id = cfg_.l2_id;  // announcer / discoveree info: the relay's layer-2 ID (emulation)
  m.l2_id = cfg_.l2_id;         // ProSe Relay UE ID
  return m;
}

DiscoveryActions RelayDiscovery::on_frame(std::int64_t unix_s, std::uint32_t src, ByteView pdu) {
  DiscoveryActions out;
  if (pd_) {
    on_protected(out, unix_s, src, pdu);
    return out;
  }
  using discovery::DiscoveryType;
  auto d = discovery::decode_discovery(pdu);
  if (d.ok() && d->type == DiscoveryType::kSolicitation && d->relay_service_code == cfg_.relay_service_code) {
    auto resp = discovery::encode_discovery(discovery::Discovery{DiscoveryType::kResponse, cfg_.relay_service_code});
    out.push_back(TraceMessage{
        cfg_.name, "ue@" + hex24(src),
        std::string(discovery::discovery_name(DiscoveryType::kResponse)) + " RSC " + hex24(cfg_.relay_service_code)});
    out.push_back(Transmit{src, std::move(*resp), 0});
  }
  return out;
}

// Model B: a protected solicitation for our RSC gets a protected response to the soliciting UE.
void RelayDiscovery::on_protected(DiscoveryActions& out, std::int64_t unix_s, std::uint32_t src, ByteView pdu) {
  auto m = pd_->accept(pdu, unix_s);
  if (!m.ok()) {
    ignored_.note(out, src, m.error());
    return;
  }
  if (m->type != discovery::MessageType::kSolicitation || !model_b_) return;
  out.push_back(TraceMessage{
      "ue@" + hex24(src), cfg_.name,
      "Discovery Solicitation (Model B, protected; MIC verified, RSC " + hex24(m->relay_service_code) + ")"});
  auto resp = pd_->protect(relay_message(discovery::MessageType::kResponse), unix_s);
  if (!resp.ok()) {
    out.push_back(TraceEvent{"error", "no discovery response: " + resp.error().to_string()});
    return;
  }
  out.push_back(TraceMessage{
      cfg_.name, "ue@" + hex24(src),
      "Discovery Response (Model B, protected: MIC, DUCK, DUSK; RSC " + hex24(cfg_.relay_service_code) + ")"});
  out.push_back(Transmit{src, std::move(*resp), 0});
}

}  // namespace prose::service
