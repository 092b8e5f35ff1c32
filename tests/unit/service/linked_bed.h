// What the test beds that join a Remote UE service and a relay service in memory share (remote_ue_service_test,
// ip_mode_test): the layer-2 IDs and code, the UE's configuration for the fake PKMF's subscriber, and the loop
// that carries each side's frames to the other. A bed has `now`, `ue`, `relay`, the queues `to_relay`/`to_ue` and
// `run`/`run_relay`, which carry out the actions of each side.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>

#include "fake_pkmf.h"
#include "prose/service/remote_ue_service.h"

namespace prose::service::test {

inline constexpr std::uint32_t kRelayL2 = 0x00aa01;
inline constexpr std::uint32_t kUeL2 = 0x00ee01;
inline constexpr std::uint32_t kRsc = 0x00abcd;

// The Remote UE service's configuration: the subscriber's USIM, the test IMSI, IMPI and PKMF name.
inline RemoteUeServiceConfig ue_config(const Subscriber& sub) {
  RemoteUeServiceConfig c;
  c.imsi = kImsi;
  c.l2_id = kUeL2;
  c.relay_service_code = kRsc;
  c.usim = std::make_shared<crypto::Usim>(crypto::Usim::create(sub.k, sub.opc).value());
  c.impi = kImpi;
  c.pkmf_fqdn = kPkmfFqdn;
  return c;
}

// Carries the queued frames to the other side until neither side has anything to send.
template <typename Bed>
void pump(Bed& b) {
  while (!b.to_relay.empty() || !b.to_ue.empty()) {
    for (auto& p : std::exchange(b.to_relay, {})) b.run_relay(b.relay.on_frame(b.now, kUeL2, kRelayL2, p));
    for (auto& p : std::exchange(b.to_ue, {})) b.run(b.ue->on_frame(b.now, kRelayL2, kUeL2, p));
  }
}

// Starts the UE's link to the relay and runs it as far as it goes: true when the link is established.
template <typename Bed>
bool connect(Bed& b) {
  b.run(b.ue->start_link(b.now, kRelayL2).value());
  pump(b);
  return b.ue->machine()->state() == link::RemoteState::kEstablished;
}

}  // namespace prose::service::test
