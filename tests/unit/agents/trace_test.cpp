#include "prose/agents/trace.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "prose/pc5/constants.h"

namespace prose::agents {
namespace {

// The agents' lines as `prose demo` and its tests read them: the formatter must keep them byte for byte.
class TraceLines : public ::testing::Test {
 protected:
  void SetUp() override {
    set_line_writer([this](const std::string& l) { lines.push_back(l); });
  }
  void TearDown() override {
    set_line_writer(nullptr);
    g_capture = true;
  }
  std::vector<std::string> lines;
};

TEST_F(TraceLines, ServiceTraceBecomesMscAndEvtLines) {
  trace(service::TraceMessage{"relay", "ue@0x00ee01", "Direct Communication Reject (cause #2)"});
  trace(service::TraceEvent{"failed", "ue@0x00ee01 setup failed: cause #2 unknown PRUK ID"});
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "MSC|relay|ue@0x00ee01|Direct Communication Reject (cause #2)");
  EXPECT_EQ(lines[1], "EVT|failed|ue@0x00ee01 setup failed: cause #2 unknown PRUK ID");
}

TEST_F(TraceLines, Pc5AndCapLinesFollowTheCaptureSwitch) {
  g_capture = true;
  pc5_line(0x00ee01, 0x00aa01, static_cast<std::uint8_t>(pc5::MessageType::kDirectCommunicationRequest));
  pc5_line(0x00ee01, 0x00aa01, 0xff);  // not a message type: named "?"
  cap(5002, 5001, Bytes{0xde, 0xad});
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "PC5|0x00ee01|0x00aa01|DIRECT_COMMUNICATION_REQUEST");
  EXPECT_EQ(lines[1], "PC5|0x00ee01|0x00aa01|?");
  EXPECT_EQ(lines[2].rfind("CAP|5002|5001|", 0), 0u) << lines[2];
  EXPECT_EQ(lines[2].substr(lines[2].rfind('|')), "|dead");
  g_capture = false;
  cap(5002, 5001, Bytes{0x01});
  EXPECT_EQ(lines.size(), 3u) << "no CAP line with capture off";
}

TEST(TraceHex, WidthsAsOnTheWire) {
  EXPECT_EQ(hex24(0xaa01), "0x00aa01");
  EXPECT_EQ(hex16(0x12345), "0x2345");
  EXPECT_EQ(hex32(0xabc), "0x00000abc");
}

}  // namespace
}  // namespace prose::agents
