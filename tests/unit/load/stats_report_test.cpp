#include <gtest/gtest.h>

#include <variant>

#include "prose/load/report.h"
#include "prose/load/stats.h"

namespace prose::load {
namespace {

TEST(Stats, PercentileIsTheSampleAtFloorOfPTimesN) {
  EXPECT_EQ(percentile_ms({}, 0.5), 0.0);
  const std::vector<double> s = {0.001, 0.002, 0.003, 0.004};  // seconds, sorted
  EXPECT_DOUBLE_EQ(percentile_ms(s, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(percentile_ms(s, 0.5), 3.0);   // index 2
  EXPECT_DOUBLE_EQ(percentile_ms(s, 0.99), 4.0);  // index 3
  EXPECT_DOUBLE_EQ(percentile_ms(s, 1.0), 4.0);   // the last one at most
}

TEST(Report, FieldsKeepTheirOrderKindAndRounding) {
  Report r;
  r.integer("UEs", 50);
  r.text("Store", "sqlite");
  r.real("Setup median ms", 9.17649, 3);
  r.real("Setups/s", 459.84, 1);
  ASSERT_EQ(r.fields.size(), 4u);
  EXPECT_EQ(r.fields[0].label, "UEs");
  EXPECT_EQ(std::get<std::int64_t>(r.fields[0].value), 50);
  EXPECT_EQ(std::get<std::string>(r.fields[1].value), "sqlite");
  auto med = std::get<Report::Real>(r.fields[2].value);
  EXPECT_DOUBLE_EQ(med.value, 9.176);
  EXPECT_EQ(med.decimals, 3);
  EXPECT_DOUBLE_EQ(std::get<Report::Real>(r.fields[3].value).value, 459.8);
  EXPECT_EQ(fixed(0.05091, 4), "0.0509");
  EXPECT_EQ(fixed(2.0, 2), "2.00");
}

}  // namespace
}  // namespace prose::load
