// The PC3 codec against xmllint on the well-formedness cases (tests/unit/xml/wellformed_cases.h), built from each
// example message: the codec's verdict is the expected one and never laxer than xmllint's.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include "../xml/wellformed_cases.h"
#include "prose/pc3/codec.h"
#include "prose/pc3/examples.h"
#include "test_util.h"

namespace prose::pc3 {
namespace {

const std::string kXsd = std::string(PROSE_SOURCE_DIR) + "/schema/pc3.xsd";

std::vector<std::string> messages() {
  std::vector<std::string> out;
  for (const auto& e : example_list()) out.push_back(test::encode_ok(*example(e.name)));
  return out;
}

TEST(Pc3WellFormed, CodecVerdicts) {
  for (const auto& m : messages()) {
    for (const auto& c : xml::test::wellformed_cases(m)) {
      SCOPED_TRACE(c.name);
      auto r = Codec::decode(c.doc);
      EXPECT_EQ(r.ok(), c.codec_accepts) << (r.ok() ? std::string("accepted") : r.error().to_string());
    }
  }
}

TEST(Pc3WellFormed, NeverLaxerThanXmllint) {
  if (!xml::test::xmllint_accepts("<a/>", kXsd).has_value()) GTEST_SKIP() << "xmllint not installed";
  // One message: each case runs xmllint once.
  for (const auto& m : {messages().front()}) {
    for (const auto& c : xml::test::wellformed_cases(m)) {
      SCOPED_TRACE(c.name);
      bool codec = Codec::decode(c.doc).ok();
      bool peer = *xml::test::xmllint_accepts(c.doc, kXsd);
      EXPECT_TRUE(!codec || peer) << "the codec accepts what xmllint refuses";
      if (c.stricter_than_peer) {
        EXPECT_TRUE(peer && !codec) << "documented as a codec-only refusal of what xmllint accepts";
      } else {
        EXPECT_EQ(codec, peer) << "codec " << codec << ", xmllint " << peer;
      }
      if (std::getenv("PROSE_PRINT_VERDICTS") != nullptr) {
        std::printf("| %s | %s | %s |\n", c.name.c_str(), peer ? "accepts" : "refuses", codec ? "accepts" : "refuses");
      }
    }
  }
}

}  // namespace
}  // namespace prose::pc3
