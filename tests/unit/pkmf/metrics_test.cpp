// The PKMF's /metrics text: responses by exchange and outcome, the latency histogram, GBA Push results and the
// state read at scrape time (MIKEY deliveries pending, the store's rows), as packaging/grafana/prose.json queries them.
#include "prose/pkmf/metrics.h"

#include <gtest/gtest.h>

namespace prose::pkmf {
namespace {

bool has(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }

TEST(PkmfMetrics, ResponsesByExchangeAndOutcome) {
  Metrics m;
  m.request(Exchange::kKd, 0.003);
  m.request(Exchange::kKd, 0.004);
  m.request(Exchange::kKd, 0.3, pc8::ErrorCode::kUnknownImsi);
  m.request(Exchange::kPruk, 0.0001, pc8::ErrorCode::kUeNotAuthorised);
  const std::string r = m.render();
  EXPECT_TRUE(has(r, "prose_pkmf_responses_total{exchange=\"kd\",outcome=\"granted\"} 2")) << r;
  EXPECT_TRUE(has(r, "prose_pkmf_responses_total{exchange=\"kd\",outcome=\"unknown-imsi\"} 1")) << r;
  EXPECT_TRUE(has(r, "prose_pkmf_responses_total{exchange=\"pruk\",outcome=\"granted\"} 0")) << r;
  EXPECT_TRUE(has(r, "prose_pkmf_responses_total{exchange=\"pruk\",outcome=\"ue-not-authorised\"} 1")) << r;
  EXPECT_EQ(r.find("outcome=\"unknown-imsi\"} 0"), std::string::npos) << "outcomes that never happened are left out";
  EXPECT_TRUE(has(r, "prose_pkmf_requests_total{exchange=\"kd\"} 3")) << r;
  // The histogram: cumulative buckets, +Inf = count, the sum in seconds.
  EXPECT_TRUE(has(r, "prose_pkmf_request_duration_seconds_bucket{exchange=\"kd\",le=\"0.002\"} 0")) << r;
  EXPECT_TRUE(has(r, "prose_pkmf_request_duration_seconds_bucket{exchange=\"kd\",le=\"0.005\"} 2")) << r;
  EXPECT_TRUE(has(r, "prose_pkmf_request_duration_seconds_bucket{exchange=\"kd\",le=\"0.5\"} 3")) << r;
  EXPECT_TRUE(has(r, "prose_pkmf_request_duration_seconds_bucket{exchange=\"kd\",le=\"+Inf\"} 3")) << r;
  EXPECT_TRUE(has(r, "prose_pkmf_request_duration_seconds_count{exchange=\"kd\"} 3")) << r;
  EXPECT_TRUE(has(r, "prose_pkmf_request_duration_seconds_sum{exchange=\"kd\"} 0.307000")) << r;
  EXPECT_TRUE(has(r, "# TYPE prose_pkmf_request_duration_seconds histogram")) << r;
}

TEST(PkmfMetrics, GbaPushResults) {
  Metrics m;
  m.gba_push(Metrics::GbaPushResult::kOk);
  m.gba_push(Metrics::GbaPushResult::kOk);
  m.gba_push(Metrics::GbaPushResult::kUnreachable);
  const std::string r = m.render();
  EXPECT_TRUE(has(r, "prose_pkmf_gba_push_total{result=\"ok\"} 2")) << r;
  EXPECT_TRUE(has(r, "prose_pkmf_gba_push_total{result=\"unreachable\"} 1")) << r;
  EXPECT_TRUE(has(r, "prose_pkmf_gba_push_total{result=\"unknown-user\"} 0")) << r;
  EXPECT_TRUE(has(r, "prose_pkmf_gba_push_total{result=\"failed\"} 0")) << r;
}

TEST(PkmfMetrics, StateAtScrapeTime) {
  Metrics m;
  EXPECT_EQ(m.render().find("prose_pkmf_store_up"), std::string::npos) << "no state source, no state";
  int scrapes = 0;
  bool store_ok = true;
  m.set_state_source([&] {
    ++scrapes;
    Metrics::State s;
    s.mikey_pending = 3;
    if (store_ok) s.store_rows = std::vector<std::pair<std::string, std::uint64_t>>{{"ue", 5}, {"pruk", 7}};
    s.store_server = Metrics::State::Server{store_ok, store_ok, 2};
    return s;
  });
  std::string r = m.render();
  EXPECT_EQ(scrapes, 1);
  EXPECT_TRUE(has(r, "prose_pkmf_mikey_deliveries_pending 3")) << r;
  EXPECT_TRUE(has(r, "prose_pkmf_store_up 1")) << r;
  EXPECT_TRUE(has(r, "prose_pkmf_store_rows{table=\"ue\"} 5")) << r;
  EXPECT_TRUE(has(r, "prose_pkmf_store_rows{table=\"pruk\"} 7")) << r;
  EXPECT_TRUE(has(r, "prose_pkmf_store_connected 1")) << r;
  EXPECT_TRUE(has(r, "prose_pkmf_store_read_write 1")) << r;
  EXPECT_TRUE(has(r, "prose_pkmf_store_failovers_total 2")) << r;
  store_ok = false;
  r = m.render();
  EXPECT_TRUE(has(r, "prose_pkmf_store_up 0")) << r;
  EXPECT_TRUE(has(r, "prose_pkmf_store_connected 0")) << r;
  EXPECT_TRUE(has(r, "prose_pkmf_store_read_write 0")) << r;
  EXPECT_EQ(r.find("prose_pkmf_store_rows{"), std::string::npos) << r;
  m.set_state_source(nullptr);
  EXPECT_EQ(m.render().find("prose_pkmf_mikey_deliveries_pending"), std::string::npos);
}

}  // namespace
}  // namespace prose::pkmf
