// Cost of receiving one PC8 message: Codec::decode of the documents a PKMF receives (a Key Request, i.e. a
// KEY_REQUEST with a PRUK-request, from a Remote UE; a KD request from a relay) and the one a relay receives (a
// KD response, the largest: KD, KD-freshness, GPI and the Remote UE identity). The documents are the examples of
// `prose pc8 example` (pruk-request, kd-request, kd-response). For comparison, schema_validate() alone (libxml2
// parse + XSD validation) on the same document. docs/performance/xml.md reports the ratios.
#include <benchmark/benchmark.h>

#include <string>

#include "prose/pc8/codec.h"
#include "prose/pc8/examples.h"
#include "prose/pc8/schema.h"

namespace {

using namespace prose;

std::string document(const char* name) {
  auto m = pc8::example(name);
  if (!m) return {};
  auto x = pc8::Codec::encode(*m);
  return x.ok() ? std::string(x->view()) : std::string();
}

void BM_Decode(benchmark::State& st, const char* name) {
  const std::string xml = document(name);
  if (xml.empty() || !pc8::Codec::decode(xml).ok()) {
    st.SkipWithError("example does not decode");
    return;
  }
  for (auto _ : st) {
    auto m = pc8::Codec::decode(xml);
    benchmark::DoNotOptimize(m);
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * xml.size()));
}

void BM_SchemaValidate(benchmark::State& st, const char* name) {
  const std::string xml = document(name);
  for (auto _ : st) {
    auto s = pc8::schema_validate(xml);
    benchmark::DoNotOptimize(s);
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * xml.size()));
}

BENCHMARK_CAPTURE(BM_Decode, key_request, "pruk-request");
BENCHMARK_CAPTURE(BM_Decode, kd_request, "kd-request");
BENCHMARK_CAPTURE(BM_Decode, kd_response, "kd-response");
BENCHMARK_CAPTURE(BM_SchemaValidate, key_request, "pruk-request");
BENCHMARK_CAPTURE(BM_SchemaValidate, kd_request, "kd-request");
BENCHMARK_CAPTURE(BM_SchemaValidate, kd_response, "kd-response");

}  // namespace
