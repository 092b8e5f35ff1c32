// Sidelink PDCP protect + unprotect of 1500-octet user PDUs (ciphering only, as on SL data bearers) per algorithm,
// against the bare cipher on the same backend doing the same work (encipher + decipher of 1500 octets), measured in
// the same run. Also PC5 signalling (integrity + ciphering) against bare EEA + EIA on both sides.
// Prints "ratio" lines at the end: bare CPU time / PDCP CPU time (1.0 = no overhead; target >= 0.85 for user PDUs).
// Backend: cipher::default_backend() (PROSE_CIPHER_BACKEND=portable|ipsec-mb to choose).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "prose/pdcp/entity.h"
#include "prose/util/hex.h"

namespace {

using namespace prose;

constexpr std::size_t kSdu = 1500;
const SecretBytes& pek() {
  static const SecretBytes k(hex_literal("d3c5d592327fb11c4035c6680af8c6d1"));
  return k;
}
const SecretBytes& pik() {
  static const SecretBytes k(hex_literal("2bd6459f82c5b300952c49104881ff48"));
  return k;
}

void BM_BareCipher(benchmark::State& st) {
  auto& be = cipher::default_backend();
  const auto alg = static_cast<cipher::Eea>(st.range(0));
  Bytes buf(kSdu, 0x5a);
  std::uint32_t count = 0;
  for (auto _ : st) {
    const cipher::EpsParams p{count++, 3, 0};
    (void)be.eea(alg, pek().view(), p, buf, kSdu * 8, buf);  // sender
    (void)be.eea(alg, pek().view(), p, buf, kSdu * 8, buf);  // receiver
    benchmark::DoNotOptimize(buf.data());
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * kSdu));
}

void BM_PdcpUserPlane(benchmark::State& st) {
  auto& be = cipher::default_backend();
  pdcp::EntityConfig c;
  c.kd_sess_id = ids::KdSessId{0x1234};
  c.bearer = 3;
  c.eea = static_cast<cipher::Eea>(st.range(0));
  c.eia = cipher::Eia::kEia2;
  auto tx = *pdcp::TxEntity::create(be, c, pek(), pik());
  auto rx = *pdcp::RxEntity::create(be, c, pek(), pik());
  Bytes sdu(kSdu, 0x5a);
  Bytes pdu, out;  // reused: the data path allocates nothing per PDU
  const pdcp::ProtectionMode mode{false, true};
  for (auto _ : st) {
    (void)tx.protect_into(pdcp::SduType::kIp, sdu, mode, pdu);
    if (!rx.unprotect_into(pdu, mode, out).ok()) st.SkipWithError("unprotect failed");
    benchmark::DoNotOptimize(out.data());
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * kSdu));
}

// The allocating convenience API (a fresh PDU and SDU vector per call), for comparison.
void BM_PdcpUserPlaneAllocating(benchmark::State& st) {
  auto& be = cipher::default_backend();
  pdcp::EntityConfig c;
  c.kd_sess_id = ids::KdSessId{0x1234};
  c.bearer = 3;
  c.eea = static_cast<cipher::Eea>(st.range(0));
  auto tx = *pdcp::TxEntity::create(be, c, pek(), pik());
  auto rx = *pdcp::RxEntity::create(be, c, pek(), pik());
  Bytes sdu(kSdu, 0x5a);
  const pdcp::ProtectionMode mode{false, true};
  for (auto _ : st) {
    auto pdu = tx.protect(pdcp::SduType::kIp, sdu, mode);
    auto back = rx.unprotect(*pdu, mode);
    if (!back.ok()) st.SkipWithError("unprotect failed");
    benchmark::DoNotOptimize(back->sdu.data());
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * kSdu));
}

void BM_BareCipherAndMac(benchmark::State& st) {
  auto& be = cipher::default_backend();
  const auto alg = static_cast<cipher::Eea>(st.range(0));
  const auto ialg = static_cast<cipher::Eia>(st.range(0));
  Bytes buf(kSdu + 5, 0x5a);
  std::uint32_t count = 0;
  for (auto _ : st) {
    const cipher::EpsParams p{count++, 0, 0};
    for (int side = 0; side < 2; ++side) {
      auto mac = be.eia(ialg, pik().view(), p, buf, buf.size() * 8);
      benchmark::DoNotOptimize(mac);
      MutableByteView d(buf.data() + 5, kSdu);
      (void)be.eea(alg, pek().view(), p, d, kSdu * 8, d);
    }
    benchmark::DoNotOptimize(buf.data());
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * kSdu));
}

void BM_PdcpSignalling(benchmark::State& st) {
  auto& be = cipher::default_backend();
  pdcp::EntityConfig c;
  c.kd_sess_id = ids::KdSessId{0x1234};
  c.bearer = 0;
  c.eea = static_cast<cipher::Eea>(st.range(0));
  c.eia = static_cast<cipher::Eia>(st.range(0));
  auto tx = *pdcp::TxEntity::create(be, c, pek(), pik());
  auto rx = *pdcp::RxEntity::create(be, c, pek(), pik());
  Bytes sdu(kSdu, 0x5a);
  Bytes pdu, out;
  const pdcp::ProtectionMode mode{true, true};
  for (auto _ : st) {
    (void)tx.protect_into(pdcp::SduType::kPc5Signalling, sdu, mode, pdu);
    if (!rx.unprotect_into(pdu, mode, out).ok()) st.SkipWithError("unprotect failed");
    benchmark::DoNotOptimize(out.data());
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * kSdu));
}

BENCHMARK(BM_BareCipher)->DenseRange(1, 3)->ArgName("EEA");
BENCHMARK(BM_PdcpUserPlane)->DenseRange(1, 3)->ArgName("EEA");
BENCHMARK(BM_PdcpUserPlaneAllocating)->DenseRange(1, 3)->ArgName("EEA");
BENCHMARK(BM_BareCipherAndMac)->DenseRange(1, 3)->ArgName("alg");
BENCHMARK(BM_PdcpSignalling)->DenseRange(1, 3)->ArgName("alg");

// Collects per-benchmark time per iteration so the ratios can be printed after the run.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      if (r.run_type == Run::RT_Iteration && r.iterations > 0 && !medians_.count(r.run_name.str())) {
        times_[r.run_name.str()] = r.GetAdjustedCPUTime();  // single run: its time
      } else if (r.run_type == Run::RT_Aggregate && r.aggregate_name == "median") {
        times_[r.run_name.str()] = r.GetAdjustedCPUTime();  // with --benchmark_repetitions: the median
        medians_.insert(r.run_name.str());
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void print_ratios() const {
    std::printf("\nbackend: %s\n", std::string(cipher::default_backend().name()).c_str());
    for (int a = 1; a <= 3; ++a) {
      ratio("user plane (ciphering only), EEA" + std::to_string(a), "BM_BareCipher/EEA:" + std::to_string(a),
            "BM_PdcpUserPlane/EEA:" + std::to_string(a));
    }
    for (int a = 1; a <= 3; ++a) {
      ratio("user plane, allocating API, EEA" + std::to_string(a), "BM_BareCipher/EEA:" + std::to_string(a),
            "BM_PdcpUserPlaneAllocating/EEA:" + std::to_string(a));
    }
    for (int a = 1; a <= 3; ++a) {
      ratio("signalling (integrity + ciphering), alg " + std::to_string(a),
            "BM_BareCipherAndMac/alg:" + std::to_string(a), "BM_PdcpSignalling/alg:" + std::to_string(a));
    }
  }

 private:
  void ratio(const std::string& label, const std::string& bare, const std::string& pdcp) const {
    auto b = times_.find(bare);
    auto p = times_.find(pdcp);
    if (b == times_.end() || p == times_.end()) return;
    std::printf("ratio %-45s bare/pdcp = %.3f\n", label.c_str(), b->second / p->second);
  }
  std::map<std::string, double> times_;
  std::set<std::string> medians_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  RatioReporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  rep.print_ratios();
  benchmark::Shutdown();
  return 0;
}
