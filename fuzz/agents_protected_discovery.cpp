// The agents' receive path of protected discovery (ProtectedDiscovery::accept over prose::discovery::Receiver):
// arbitrary octets never crash, never verify unless they are a PDU the sender protected, and a failed accept changes
// nothing (the genuine PDU still verifies afterwards, once).
#include <cstdint>
#include <cstdlib>

#include "prose/service/protected_discovery.h"

namespace {
constexpr std::int64_t kNow = 1'800'000'000;
constexpr std::uint32_t kRsc = 0xabcd;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace prose;
  static const Bytes psdk(32, 0x5a);
  service::ProtectedDiscovery rx(kRsc, service::DiscoverySecuritySettings{});
  service::ProtectedDiscovery tx(kRsc, service::DiscoverySecuritySettings{});
  if (!rx.install(psdk, 1, kNow + 3600, kNow).ok() || !tx.install(psdk, 1, kNow + 3600, kNow).ok()) std::abort();
  discovery::DiscoveryMessage m;
  m.type = discovery::MessageType::kAnnouncement;
  m.relay_service_code = kRsc;
  m.user_info_id = 0x00aa01;
  m.l2_id = 0x00aa01;
  auto genuine = tx.protect(m, kNow);
  if (!genuine.ok()) std::abort();
  ByteView in(data, size);
  auto r = rx.accept(in, kNow);
  const bool same = Bytes(in.begin(), in.end()) == *genuine;
  if (r.ok() != same) std::abort();  // only the genuine PDU verifies (a forgery would be a MIC collision)
  if (!same) {
    auto g = rx.accept(*genuine, kNow);
    if (!g.ok() || !(*g == m)) std::abort();
  }
  if (rx.accept(*genuine, kNow).ok()) std::abort();  // now a replay
  return 0;
}
