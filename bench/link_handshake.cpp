// One complete PC5 relay link handshake between the two state machines in memory, excluding the PKMF (its KD is
// computed once, outside the timed loop): create both machines, DCR -> NeedKd -> KD available -> DSMC ->
// [KD from PRUK, KD-sess, PEK/PIK, MAC-I check] -> DSM Complete -> DCA. Target: under 50 microseconds.
// Baseline in the same run: only the key derivations the handshake needs (KD, and KD-sess, PEK, PIK on both sides).
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "prose/keys/prose_keys.h"
#include "prose/link/relay.h"
#include "prose/link/remote_ue.h"
#include "prose/util/random.h"

namespace {

using namespace prose;
using namespace prose::link;

struct Fixture {
  SecretBytes pruk = random_secret(32);
  ids::KdFreshness freshness{};
  SecretBytes kd;
  std::shared_ptr<KdSessIdRegistry> ue_ids = std::make_shared<KdSessIdRegistry>();
  std::shared_ptr<KdSessIdRegistry> relay_ids = std::make_shared<KdSessIdRegistry>();
  Fixture() {
    random_fill(freshness);
    kd = keys::derive_kd(pruk.view(), freshness).value();  // the PKMF's work, not timed
  }
};

void handshake(Fixture& f, cipher::Eea eea, cipher::Eia eia) {
  RemoteUeConfig uc;
  uc.imsi = "001010123456789";
  uc.pruk_id = ids::PrukId{0x1122334455667788ull};
  uc.pruk = f.pruk.clone();
  uc.ids = f.ue_ids;
  uc.policy.ciphering = {eea};
  uc.policy.integrity = {eia};
  RelayConfig rc;
  rc.ids = f.relay_ids;
  auto ue = RemoteUe::create(std::move(uc)).value();
  auto relay = Relay::create(std::move(rc)).value();
  const TimePoint now{};
  auto dcr = ue->start(now).value();
  auto need = relay->on_pdu(now, dcr.pdus.at(0));
  auto dsmc = relay->kd_available(now, KdGrant{f.kd.clone(), f.freshness, std::nullopt}).value();
  auto complete = ue->on_pdu(now, dsmc.pdus.at(0));
  auto dca = relay->on_pdu(now, complete.pdus.at(0));
  auto done = ue->on_pdu(now, dca.pdus.at(0));
  if (ue->state() != RemoteState::kEstablished || relay->state() != RelayState::kEstablished) std::abort();
  benchmark::DoNotOptimize(done);
}

void BM_Handshake(benchmark::State& st) {
  Fixture f;
  const auto eea = static_cast<cipher::Eea>(st.range(0));
  const auto eia = static_cast<cipher::Eia>(st.range(1));
  for (auto _ : st) handshake(f, eea, eia);
}
BENCHMARK(BM_Handshake)->Args({2, 2})->Args({1, 1})->Args({3, 3})->Unit(benchmark::kMicrosecond);

// Baseline: the key derivations alone (UE: KD, KD-sess, PEK, PIK; relay: KD-sess, PEK, PIK).
void BM_KeyDerivationsOnly(benchmark::State& st) {
  Fixture f;
  ids::Nonce1 n1{};
  ids::Nonce2 n2{};
  random_fill(n1);
  random_fill(n2);
  for (auto _ : st) {
    auto kd = keys::derive_kd(f.pruk.view(), f.freshness).value();
    for (int side = 0; side < 2; ++side) {
      auto kd_sess = keys::derive_kd_sess(kd.view(), n1, n2).value();
      auto pek = keys::derive_pek(kd_sess.view(), 2).value();
      auto pik = keys::derive_pik(kd_sess.view(), 2).value();
      benchmark::DoNotOptimize(pek);
      benchmark::DoNotOptimize(pik);
    }
  }
}
BENCHMARK(BM_KeyDerivationsOnly)->Unit(benchmark::kMicrosecond);

}  // namespace
