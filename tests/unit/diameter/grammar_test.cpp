#include "prose/diameter/grammar.h"

#include <gtest/gtest.h>

namespace prose::diameter {
namespace {

constexpr AvpRule kRules[] = {{avp::kOriginHost, 0, 1, 1, 0},
                              {avp::kOriginRealm, 0, 1, 1, 0},
                              {avp::kHostIpAddress, 0, 1, 0, 6},
                              {avp::kUeId, kVendor3gpp, 0, 1, 0}};

std::vector<Avp> good() {
  return {make_str(avp::kOriginHost, "a.lab"), make_str(avp::kOriginRealm, "lab"),
          make_ipv4(avp::kHostIpAddress, 0x7f000001), make_ipv4(avp::kHostIpAddress, 0x7f000002)};
}

TEST(DiameterGrammar, AcceptsAFittingMessageAndUnknownOptionalAvps) {
  EXPECT_FALSE(check_grammar(good(), kRules).has_value());
  auto avps = good();
  avps.push_back(make_u32(65000, 1, 0, false));  // no M bit: ignored (RFC 6733 4.1)
  EXPECT_FALSE(check_grammar(avps, kRules).has_value());
}

TEST(DiameterGrammar, UnknownMandatoryAvpIs5001WithTheAvp) {
  auto avps = good();
  avps.push_back(make_u32(65000, 1));
  auto v = check_grammar(avps, kRules);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->result_code, rc::kAvpUnsupported);
  EXPECT_EQ(v->failed, avps.back());
  // The same code under another vendor is another AVP.
  auto vendor = good();
  vendor.push_back(make_str(avp::kUeId, "x", 10416));
  EXPECT_EQ(check_grammar(vendor, kRules)->result_code, rc::kAvpUnsupported);
}

TEST(DiameterGrammar, AvpsTheDictionaryKnowsFallUnderStarAvp) {
  constexpr AvpRule kDictionary[] = {{avp::kSessionId}};
  auto avps = good();
  avps.push_back(make_str(avp::kSessionId, "a.lab;1;2"));  // M bit, not in the command's rules
  EXPECT_EQ(check_grammar(avps, kRules)->result_code, rc::kAvpUnsupported);
  EXPECT_FALSE(check_grammar(avps, kRules, kDictionary).has_value());
}

TEST(DiameterGrammar, TooManyOccurrencesIs5009WithTheFirstOneTooMany) {
  auto avps = good();
  avps.push_back(make_str(avp::kOriginRealm, "second"));
  avps.push_back(make_str(avp::kOriginRealm, "third"));
  auto v = check_grammar(avps, kRules);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->result_code, rc::kAvpOccursTooManyTimes);
  EXPECT_EQ(as_string(v->failed), "second");
}

TEST(DiameterGrammar, MissingAvpIs5005WithAZeroFilledMinimumPayload) {
  auto avps = good();
  std::erase_if(avps, [](const Avp& a) { return a.code == avp::kHostIpAddress; });
  auto v = check_grammar(avps, kRules);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->result_code, rc::kMissingAvp);
  EXPECT_EQ(v->failed.code, avp::kHostIpAddress);
  EXPECT_EQ(v->failed.data, Bytes(6, 0));
}

}  // namespace
}  // namespace prose::diameter
