// Cost of receiving one PC3 message: Codec::decode of the service authorisation request a ProSe Function receives
// and of the response a UE receives (the examples of `prose prose-function example`: request, response). For
// comparison, schema_validate() alone (libxml2 parse + XSD validation). docs/performance/xml.md reports the ratios.
#include <benchmark/benchmark.h>

#include <string>

#include "prose/pc3/codec.h"
#include "prose/pc3/examples.h"
#include "prose/pc3/schema.h"

namespace {

using namespace prose;

std::string document(const char* name) {
  auto m = pc3::example(name);
  if (!m.ok()) return {};
  auto x = pc3::Codec::encode(*m);
  return x.ok() ? *x : std::string();
}

void BM_Decode(benchmark::State& st, const char* name) {
  const std::string xml = document(name);
  if (xml.empty() || !pc3::Codec::decode(xml).ok()) {
    st.SkipWithError("example does not decode");
    return;
  }
  for (auto _ : st) {
    auto m = pc3::Codec::decode(xml);
    benchmark::DoNotOptimize(m);
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * xml.size()));
}

void BM_SchemaValidate(benchmark::State& st, const char* name) {
  const std::string xml = document(name);
  for (auto _ : st) {
    auto s = pc3::schema_validate(xml);
    benchmark::DoNotOptimize(s);
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * xml.size()));
}

BENCHMARK_CAPTURE(BM_Decode, request, "request");
BENCHMARK_CAPTURE(BM_Decode, response, "response");
BENCHMARK_CAPTURE(BM_SchemaValidate, request, "request");
BENCHMARK_CAPTURE(BM_SchemaValidate, response, "response");

}  // namespace
