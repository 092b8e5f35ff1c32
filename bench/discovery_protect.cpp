// Cost of protected relay discovery: protect one message (MIC + confidentiality + scrambling), open it with one key
// set, and a Receiver rejecting a PDU of an unknown RSC while holding N key sets (every set is tried: the worst case
// a monitoring UE pays for foreign announcements). Baseline in the same run: one TS 33.220 KDF (HMAC-SHA-256) call.
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "prose/crypto/kdf.h"
#include "prose/discovery/protection.h"
#include "prose/util/random.h"

namespace {

using namespace prose;
using namespace prose::discovery;

DiscoveryKeys keys() { return derive_discovery_keys(random_secret(32).view()).value(); }

DiscoveryMessage message() {
  DiscoveryMessage m;
  m.relay_service_code = 0x00a1b2;
  m.user_info_id = 0x3344556677aa;
  m.l2_id = 0x0a0b0c;
  m.status = 1;
  return m;
}

constexpr std::int64_t kNow = 1764300000;

void BM_Kdf(benchmark::State& st) {
  SecretBytes k = random_secret(32);
  const std::uint8_t p0[4] = {1, 2, 3, 4};
  for (auto _ : st) benchmark::DoNotOptimize(crypto::kdf(k.view(), 0x4c, {ByteView(p0)}));
}
BENCHMARK(BM_Kdf);

void BM_Protect(benchmark::State& st) {
  DiscoveryKeys k = keys();
  k.eea = static_cast<cipher::Eea>(st.range(0));
  std::uint32_t c = utc_counter(kNow);
  for (auto _ : st) {
    auto pdu = protect(message(), k, c++);
    if (!pdu.ok()) std::abort();
    benchmark::DoNotOptimize(pdu);
  }
}
BENCHMARK(BM_Protect)->Arg(1)->Arg(2)->Arg(3);

void BM_Open(benchmark::State& st) {
  DiscoveryKeys k = keys();
  const std::uint32_t c = utc_counter(kNow);
  Bytes pdu = protect(message(), k, c).value();
  for (auto _ : st) {
    auto r = open(pdu, k, c);
    if (!r.ok()) std::abort();
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_Open);

void BM_ReceiverRejectsUnknown(benchmark::State& st) {
  Receiver rx;
  for (std::int64_t i = 0; i < st.range(0); ++i) rx.set_keys(static_cast<std::uint32_t>(i + 1), keys());
  Bytes pdu = protect(message(), keys(), utc_counter(kNow)).value();
  for (auto _ : st) {
    auto r = rx.accept(pdu, kNow);
    if (r.ok()) std::abort();
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ReceiverRejectsUnknown)->Arg(1)->Arg(16);

}  // namespace
