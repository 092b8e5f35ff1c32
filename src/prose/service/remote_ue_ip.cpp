// The Remote UE service's IP mode (docs/ip.md "In the agents"): the DHCPv4 client over the link (lease, renewal),
// the Router Solicitation and the address from the relay's Router Advertisement, and the IP SDUs from the link.
#include "prose/service/remote_ue_service.h"

#include <string>
#include <utility>

#include "prose/ids/ids.h"
#include "prose/ip/address_config.h"
#include "prose/ip/address_pool.h"
#include "prose/ip/ndp.h"
#include "prose/ip/packet.h"
#include "prose/util/hex.h"
#include "prose/util/random.h"

namespace prose::service {
namespace {}  // namespace

std::optional<ip::dhcpv4::Lease> RemoteUeService::lease() const {
  return dhcp_ && dhcp_->has_lease() ? dhcp_->lease() : std::nullopt;
}

// IP mode: start the DHCPv4 client once the link is established, send again what it has to send, and start over
// when a DISCOVER (or REQUEST) stayed without an answer.
void RemoteUeService::ip_step(RemoteUeActions& out, link::TimePoint now) {
  if (!cfg_.ip || !ue_ || ue_->state() != link::RemoteState::kEstablished) return;
  // The relay's DCA says whether it is a DHCPv4 server and an IPv6 router (IP Address Config).
  const auto served = ue_->relay_ip_address_config();
  if (served && ip::families_of(*served).ipv6 && !rs_sent_) {
    // RFC 4861 6.3.7: a host solicits an advertisement when its interface comes up (the relay also sends one
    // unsolicited after the DCA; whichever comes first configures the address).
    rs_sent_ = true;
    if (auto rs = ip::ndp::encode_router_solicitation(ip::ndp::link_local_for(cfg_.l2_id)); rs.ok()) {
      msc(out, cfg_.name, "relay", "Router Solicitation (" + std::to_string(rs->size()) + " octets, protected)");
      dhcp_out_.push_back(std::move(*rs));
    }
  }
  if (served && ip::families_of(*served).ipv4) {
    dhcp_step(out, now);
  } else if (!no_dhcpv4_) {
    // An IPv6-only relay is fine; one that serves neither family leaves the UE without an address.
    evt(out, rs_sent_ ? "info" : "error",
        "IP mode, but relay " + hex24(relay_l2_) + " is no DHCPv4 server (IP Address Config " +
            std::to_string(served ? static_cast<int>(*served) : -1) + ")" + (rs_sent_ ? "" : ": no address"));
    no_dhcpv4_ = true;
  }
  for (auto& packet : std::exchange(dhcp_out_, {})) {
    auto r = ue_->send_data(now, packet, pdcp::SduType::kIp);
    if (r.ok()) handle(out, std::move(*r));
  }
}

// The DHCPv4 client's work due at `now`: renewal (T1, T2, retransmissions), a lease that ended, a DISCOVER (again).
void RemoteUeService::dhcp_step(RemoteUeActions& out, link::TimePoint now) {
  using State = ip::dhcpv4::Client::State;
  if (!dhcp_) dhcp_ = std::make_unique<ip::dhcpv4::Client>(ip::link_mac(ids::Layer2Id{cfg_.l2_id}), random_u32());
  if (auto due = dhcp_->next_timer(); due && now.time_since_epoch() >= *due) {
    auto r = dhcp_->on_time(now.time_since_epoch());
    if (!r.ok()) {
      evt(out, "lease", r.error().message + ": asking again");
      dhcp_retry_at_.reset();
    } else if (*r) {
      msc(out, cfg_.name, "relay",
          std::string("DHCPREQUEST (") + (dhcp_->state() == State::kRebinding ? "rebinding" : "renewing") + ", " +
              std::to_string((*r)->size()) + " octets, protected)");
      dhcp_out_.push_back(std::move(**r));
    }
  }
  if (!dhcp_->has_lease() && (!dhcp_retry_at_ || now >= *dhcp_retry_at_)) {
    auto d = dhcp_->start();
    if (d.ok()) {
      msc(out, cfg_.name, "relay", "DHCPDISCOVER (" + std::to_string(d->size()) + " octets, protected)");
      dhcp_out_.push_back(std::move(*d));
    }
    dhcp_retry_at_ = now + kDhcpRetry;
  }
}

void RemoteUeService::on_router_advertisement(RemoteUeActions& out, ByteView packet) {
  auto ra = ip::ndp::parse_router_advertisement(packet);
  if (!ra.ok()) {
    evt(out, "ip-drop", "Router Advertisement: " + ra.error().to_string());
    return;
  }
  msc(out, "relay", cfg_.name,
      "Router Advertisement (prefix " + (ra->prefix ? ra->prefix->prefix.to_string() : std::string("none")) +
          (ra->mtu ? ", MTU " + std::to_string(*ra->mtu) : std::string()) + ", protected)");
  if (!ra->prefix || !ra->prefix->autonomous || ra->prefix->valid_lifetime == 0) return;  // RFC 4862 5.5.3 a, c
  auto a = ip::ndp::slaac_address(ra->prefix->prefix, cfg_.l2_id);
  if (!a.ok()) {
    evt(out, "ip-drop", "Router Advertisement: " + a.error().to_string());
    return;
  }
  if (ipv6_ == *a) return;  // the same prefix again (the answer to our solicitation and the unsolicited one)
  ipv6_ = *a;
  evt(out, "ipv6",
      "IPv6 address " + a->to_string() + "/64 from relay " + hex24(relay_l2_) + "'s prefix " +
          ra->prefix->prefix.to_string());
  out.emplace_back(ApplyIpv6{*a, 64, ra->router_lifetime != 0});
}

void RemoteUeService::on_ip_sdu(RemoteUeActions& out, Bytes sdu) {
  if (ip::ndp::icmpv6_type(sdu) == ip::ndp::kTypeRouterAdvertisement) {
    on_router_advertisement(out, sdu);  // the relay's, for this UE's IP layer (not handed to its TUN)
    return;
  }
  const auto version = ip::ip_version(sdu);
  const bool v6 = version.ok() && *version == 6;
  if (!v6 && dhcp_ && dhcp_->has_lease() && dhcp_->state() != ip::dhcpv4::Client::State::kBound) {
    // Renewing or rebinding: the server's answer is the client's.
    if (auto m = ip::dhcpv4::from_packet(sdu); m.ok() && m->destination_port == ip::dhcpv4::kClientPort) {
      auto r = dhcp_->handle(sdu, now_.time_since_epoch());
      if (!r.ok()) {
        evt(out, "lease", "renewal refused: " + r.error().to_string() + ": asking again");
        dhcp_retry_at_.reset();
      } else if (dhcp_->state() == ip::dhcpv4::Client::State::kBound) {
        evt(out, "lease",
            "DHCPv4 lease " + dhcp_->lease()->address.to_string() + " renewed, " +
                std::to_string(dhcp_->lease()->lease_seconds) + " s");
      }
      return;
    }
  }
  if (v6 ? ipv6_.has_value() : dhcp_ && dhcp_->has_lease()) {
    bytes_down_ += sdu.size();
    out.emplace_back(DeliverToApp{std::move(sdu)});
    return;
  }
  if (!dhcp_ || v6) return;  // before the link is established, or IPv6 before an address: nothing to do with it
  auto r = dhcp_->handle(sdu, now_.time_since_epoch());
  if (!r.ok()) {
    evt(out, "ip-drop", "DHCPv4: " + r.error().to_string());
    return;
  }
  if (*r) {
    msc(out, cfg_.name, "relay", "DHCPREQUEST (" + std::to_string((*r)->size()) + " octets, protected)");
    dhcp_out_.push_back(std::move(**r));
  }
  if (dhcp_->state() == ip::dhcpv4::Client::State::kBound && dhcp_->lease()) {
    dhcp_retry_at_.reset();
    const ip::dhcpv4::Lease& l = *dhcp_->lease();
    evt(out, "lease",
        "DHCPv4 lease " + l.address.to_string() + "/" + std::to_string(l.prefix_length) + " router " +
            (l.router ? l.router->to_string() : std::string("-")) + " from " + l.server_id.to_string() + ", " +
            std::to_string(l.lease_seconds) + " s");
    out.emplace_back(ApplyLease{l});
  }
}

}  // namespace prose::service
