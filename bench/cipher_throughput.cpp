// EEA/EIA throughput per algorithm and backend at 40, 1500 and 9000 octets, with the baselines measured in the same
// run: ipsec-mb called directly (the same calls the ipsec-mb backend makes) and raw OpenSSL AES-128-CTR / CMAC.
// Ratios: bench/cipher_ratios.py over --benchmark_out JSON (see docs/performance/cipher.md).
#include <benchmark/benchmark.h>
#include <intel-ipsec-mb.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <cstring>
#include <string>
#include <vector>

#include "prose/cipher/eps_algorithms.h"

namespace {

using prose::cipher::Backend;
using prose::cipher::Eea;
using prose::cipher::Eia;
using prose::cipher::EpsParams;

constexpr std::size_t kSizes[] = {40, 1500, 9000};
const std::uint8_t kKey[16] = {0x2b, 0xd6, 0x45, 0x9f, 0x82, 0xc5, 0xb3, 0x00,
                               0x95, 0x2c, 0x49, 0x10, 0x48, 0x81, 0xff, 0x48};
constexpr EpsParams kParams{0x72a4f20f, 0x0c, 1};

std::vector<std::uint8_t> buffer(std::size_t n) {
  std::vector<std::uint8_t> b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 131 + 7);
  return b;
}

Backend* backend(const std::string& name) {
  auto b = prose::cipher::backend_by_name(name);
  return b.ok() ? *b : nullptr;
}

void eea(benchmark::State& st, Backend* b, Eea alg, std::size_t n) {
  auto in = buffer(n), out = buffer(n);
  for (auto _ : st) {
    auto s = b->eea(alg, prose::ByteView(kKey, 16), kParams, in, n * 8, out);
    if (!s.ok()) st.SkipWithError(s.error().message.c_str());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * n));
}

void eia(benchmark::State& st, Backend* b, Eia alg, std::size_t n) {
  auto in = buffer(n);
  for (auto _ : st) {
    auto m = b->eia(alg, prose::ByteView(kKey, 16), kParams, in, n * 8);
    if (!m.ok()) st.SkipWithError(m.error().message.c_str());
    benchmark::DoNotOptimize(m);
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * n));
}

// ---- Baseline: ipsec-mb called directly, same calls as the backend (key schedule, IV generation, 1-buffer API).
IMB_MGR* direct_mgr() {
  static IMB_MGR* m = [] {
    IMB_MGR* mgr = alloc_mb_mgr(0);
    IMB_ARCH arch;
    init_mb_mgr_auto(mgr, &arch);
    return mgr;
  }();
  return m;
}

void direct_eea1(benchmark::State& st, std::size_t n) {
  IMB_MGR* mgr = direct_mgr();
  auto in = buffer(n), out = buffer(n);
  for (auto _ : st) {
    snow3g_key_schedule_t ks;
    IMB_SNOW3G_INIT_KEY_SCHED(mgr, kKey, &ks);
    alignas(16) std::uint8_t iv[16];
    snow3g_f8_iv_gen(kParams.count, kParams.bearer, kParams.direction, iv);
    const int before = imb_get_errno(mgr);
    IMB_SNOW3G_F8_1_BUFFER(mgr, &ks, iv, in.data(), out.data(), static_cast<std::uint32_t>(n));
    if (imb_get_errno(mgr) != 0 && imb_get_errno(mgr) != before) st.SkipWithError(imb_get_strerror(imb_get_errno(mgr)));
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * n));
}

void direct_eea3(benchmark::State& st, std::size_t n) {
  IMB_MGR* mgr = direct_mgr();
  auto in = buffer(n), out = buffer(n);
  for (auto _ : st) {
    alignas(16) std::uint8_t iv[16];
    zuc_eea3_iv_gen(kParams.count, kParams.bearer, kParams.direction, iv);
    const int before = imb_get_errno(mgr);
    IMB_ZUC_EEA3_1_BUFFER(mgr, kKey, iv, in.data(), out.data(), static_cast<std::uint32_t>(n));
    if (imb_get_errno(mgr) != 0 && imb_get_errno(mgr) != before) st.SkipWithError(imb_get_strerror(imb_get_errno(mgr)));
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * n));
}

void direct_eia1(benchmark::State& st, std::size_t n) {
  IMB_MGR* mgr = direct_mgr();
  auto in = buffer(n);
  for (auto _ : st) {
    snow3g_key_schedule_t ks;
    IMB_SNOW3G_INIT_KEY_SCHED(mgr, kKey, &ks);
    alignas(16) std::uint8_t iv[16];
    snow3g_f9_iv_gen(kParams.count, std::uint32_t{kParams.bearer} << 27, kParams.direction, iv);
    std::uint32_t tag = 0;
    const int before = imb_get_errno(mgr);
    IMB_SNOW3G_F9_1_BUFFER(mgr, &ks, iv, in.data(), n * 8, &tag);
    if (imb_get_errno(mgr) != 0 && imb_get_errno(mgr) != before) st.SkipWithError(imb_get_strerror(imb_get_errno(mgr)));
    benchmark::DoNotOptimize(tag);
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * n));
}

void direct_eia3(benchmark::State& st, std::size_t n) {
  IMB_MGR* mgr = direct_mgr();
  auto in = buffer(n);
  for (auto _ : st) {
    alignas(16) std::uint8_t iv[16];
    zuc_eia3_iv_gen(kParams.count, kParams.bearer, kParams.direction, iv);
    std::uint32_t tag = 0;
    const int before = imb_get_errno(mgr);
    IMB_ZUC_EIA3_1_BUFFER(mgr, kKey, iv, in.data(), static_cast<std::uint32_t>(n * 8), &tag);
    if (imb_get_errno(mgr) != 0 && imb_get_errno(mgr) != before) st.SkipWithError(imb_get_strerror(imb_get_errno(mgr)));
    benchmark::DoNotOptimize(tag);
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * n));
}

// ---- Baseline: raw OpenSSL AES-128-CTR on the same buffer.
// "rekey": key and IV set per buffer (what a plain caller does); "ivonly": key set once, only the IV per buffer.
void openssl_ctr(benchmark::State& st, std::size_t n, bool rekey) {
  EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, "AES-128-CTR", nullptr);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  auto in = buffer(n), out = buffer(n);
  std::uint8_t iv[16] = {0x72, 0xa4, 0xf2, 0x0f, 0x64};
  EVP_EncryptInit_ex2(ctx, c, kKey, iv, nullptr);
  for (auto _ : st) {
    if (rekey) {
      EVP_EncryptInit_ex2(ctx, c, kKey, iv, nullptr);
    } else {
      EVP_EncryptInit_ex2(ctx, nullptr, nullptr, iv, nullptr);
    }
    int outl = 0;
    EVP_EncryptUpdate(ctx, out.data(), &outl, in.data(), static_cast<int>(n));
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  EVP_CIPHER_CTX_free(ctx);
  EVP_CIPHER_free(c);
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * n));
}

// ---- Reference: OpenSSL EVP_MAC CMAC over the same 8-octet header + buffer (whole octets only).
void openssl_cmac(benchmark::State& st, std::size_t n) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "CMAC", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  char cipher[] = "AES-128-CBC";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0), OSSL_PARAM_END};
  auto in = buffer(n);
  const std::uint8_t hdr[8] = {0x72, 0xa4, 0xf2, 0x0f, 0x64};
  for (auto _ : st) {
    std::uint8_t tag[16];
    std::size_t len = 0;
    EVP_MAC_init(ctx, kKey, 16, params);
    EVP_MAC_update(ctx, hdr, 8);
    EVP_MAC_update(ctx, in.data(), n);
    EVP_MAC_final(ctx, tag, &len, sizeof tag);
    benchmark::DoNotOptimize(tag);
  }
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * n));
}

int register_all() {
  for (std::size_t n : kSizes) {
    const std::string sz = std::to_string(n);
    for (const char* be : {"portable", "ipsec-mb"}) {
      Backend* b = backend(be);
      if (b == nullptr) continue;
      for (unsigned alg = 1; alg <= 3; ++alg) {
        benchmark::RegisterBenchmark(("eea" + std::to_string(alg) + "/" + be + "/" + sz).c_str(), eea, b,
                                     static_cast<Eea>(alg), n);
        benchmark::RegisterBenchmark(("eia" + std::to_string(alg) + "/" + be + "/" + sz).c_str(), eia, b,
                                     static_cast<Eia>(alg), n);
      }
    }
    benchmark::RegisterBenchmark(("eea1/direct-ipsec-mb/" + sz).c_str(), direct_eea1, n);
    benchmark::RegisterBenchmark(("eea3/direct-ipsec-mb/" + sz).c_str(), direct_eea3, n);
    benchmark::RegisterBenchmark(("eia1/direct-ipsec-mb/" + sz).c_str(), direct_eia1, n);
    benchmark::RegisterBenchmark(("eia3/direct-ipsec-mb/" + sz).c_str(), direct_eia3, n);
    benchmark::RegisterBenchmark(("eea2/openssl-ctr-rekey/" + sz).c_str(), openssl_ctr, n, true);
    benchmark::RegisterBenchmark(("eea2/openssl-ctr-ivonly/" + sz).c_str(), openssl_ctr, n, false);
    benchmark::RegisterBenchmark(("eia2/openssl-cmac/" + sz).c_str(), openssl_cmac, n);
  }
  return 0;
}
const int kRegistered = register_all();

}  // namespace
