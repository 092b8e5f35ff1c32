#include "prose/pc5/examples.h"

namespace prose::pc5 {
namespace {

template <typename Nonce>
Nonce nonce(std::uint8_t seed) {
  Nonce n{};
  for (std::size_t i = 0; i < n.size(); ++i) n[i] = static_cast<std::uint8_t>(seed + i);
  return n;
}

}  // namespace

std::vector<Message> example_messages() {
  std::vector<Message> v;
  DirectCommunicationRequest dcr;
  dcr.sequence_number = 0x0102;
  dcr.user_info = UserInfo::from_imsi("001010123456789");
  dcr.ip_address_config = IpAddressConfig::kIpv6Router;
  dcr.maximum_inactivity_period = 3600;
  dcr.nonce_1 = nonce<ids::Nonce1>(0x10);
  dcr.ue_security_capabilities =
      UeSecurityCapabilities{}.add_eea(0).add_eea(1).add_eea(2).add_eea(3).add_eia(1).add_eia(2).add_eia(3);
  dcr.msb_of_kd_sess_id = 0xA5;
  dcr.kd_id = ids::KdId{0xDEADBEEF};
  dcr.relay_service_code = ids::RelayServiceCode{0x123456};
  Signature sig{};
  for (std::size_t i = 0; i < sig.size(); ++i) sig[i] = static_cast<std::uint8_t>(i * 3);
  dcr.signature = sig;
  Ipv6Address ll{};
  ll[0] = 0xfe;
  ll[1] = 0x80;
  ll[15] = 0x01;
  dcr.link_local_ipv6_address = ll;
  v.emplace_back(dcr);

  DirectCommunicationRequest dcr2;  // PRUK ID variant, no optional IEs
  dcr2.sequence_number = 7;
  dcr2.user_info = UserInfo::from_pruk_id(ids::PrukId{0x0123456789abcdefULL});
  dcr2.nonce_1 = nonce<ids::Nonce1>(0x40);
  dcr2.ue_security_capabilities = UeSecurityCapabilities{}.add_eea(2).add_eia(2);
  dcr2.msb_of_kd_sess_id = 1;
  v.emplace_back(dcr2);

  v.emplace_back(DirectCommunicationAccept{0x0203, IpAddressConfig::kDhcpv4ServerAndIpv6Router, ll});
  v.emplace_back(DirectCommunicationReject{0x0304, Cause::kAuthenticationFailure});
  v.emplace_back(DirectCommunicationKeepalive{0x0405, 0x11223344, 120});
  v.emplace_back(DirectCommunicationKeepaliveAck{0x0506, 0x11223344});
  v.emplace_back(DirectCommunicationRelease{0x0607, ReleaseReason::kNoLongerAllowed});
  v.emplace_back(DirectCommunicationReleaseAccept{0x0708});

  DirectSecurityModeCommand dsmc;
  dsmc.sequence_number = 0x0809;
  dsmc.ue_security_capabilities = dcr.ue_security_capabilities;
  dsmc.nonce_2 = nonce<ids::Nonce2>(0x80);
  dsmc.chosen_algorithms = ChosenAlgorithms{2, 3};
  dsmc.lsb_of_kd_sess_id = 0x5A;
  dsmc.msb_of_kd_id = 0xBEEF;
  ids::KdFreshness f{};
  f.bytes.fill(0x77);
  dsmc.kd_freshness = f;
  Bytes gpi(300);
  for (std::size_t i = 0; i < gpi.size(); ++i) gpi[i] = static_cast<std::uint8_t>(i);
  dsmc.gpi = gpi;
  dsmc.user_info = UserInfo::from_pruk_id(ids::PrukId{0xfedcba9876543210ULL});
  dsmc.signature = sig;
  dsmc.encrypted_payload = Bytes{1, 2, 3, 4, 5};
  v.emplace_back(dsmc);

  v.emplace_back(DirectSecurityModeComplete{0x090A, 0x1234});
  ids::Rand rand{};
  rand.bytes.fill(0xAB);
  ids::Auts auts{};
  auts.bytes.fill(0xCD);
  v.emplace_back(DirectSecurityModeReject{0x0A0B, Cause::kAuthenticationSynchronisationError, rand, auts});
  v.emplace_back(DirectRekeyingRequest{0x0B0C, dcr.ue_security_capabilities, nonce<ids::Nonce1>(0x20), 0x33, 1,
                                       ids::PrukId{0x0011223344556677ULL}});
  v.emplace_back(DirectRekeyingResponse{0x0C0D});
  v.emplace_back(DirectRekeyingTrigger{0x0D0E});
  v.emplace_back(RemoteUeInfoRequest{0x0E0F, RemoteUeInfoType::kImei});
  v.emplace_back(RemoteUeInfoResponse{0x0F10, std::string("490154203237518")});
  return v;
}

}  // namespace prose::pc5
