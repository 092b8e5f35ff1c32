#include "prose/diameter/grammar.h"

namespace prose::diameter {

namespace {
std::uint32_t vendor_of(const Avp& a) { return a.has_vendor() ? a.vendor_id : 0; }

std::string name(std::uint32_t code, std::uint32_t vendor) {
  return "AVP " + std::to_string(code) + (vendor ? " (vendor " + std::to_string(vendor) + ")" : "");
}
}  // namespace

std::optional<Violation> check_grammar(const std::vector<Avp>& avps, std::span<const AvpRule> rules,
                                       std::span<const AvpRule> dictionary) {
  auto known = [&](const Avp& a) {
    for (auto list : {rules, dictionary}) {
      for (const auto& r : list) {
        if (r.code == a.code && r.vendor == vendor_of(a)) return true;
      }
    }
    return false;
  };
  for (const auto& a : avps) {
    if (a.mandatory() && !known(a)) {
      return Violation{rc::kAvpUnsupported, a, name(a.code, vendor_of(a)) + " with the M bit is not supported"};
    }
  }
  for (const auto& r : rules) {
    if (r.max == 0) continue;
    std::size_t n = 0;
    for (const auto& a : avps) {
      if (a.code == r.code && vendor_of(a) == r.vendor && ++n > r.max) {
        return Violation{rc::kAvpOccursTooManyTimes, a, name(r.code, r.vendor) + " occurs too many times"};
      }
    }
  }
  for (const auto& r : rules) {
    if (find_all(avps, r.code, r.vendor).size() >= r.min) continue;
    return Violation{rc::kMissingAvp, make_avp(r.code, Bytes(r.min_payload, 0), r.vendor),
                     name(r.code, r.vendor) + " is missing"};
  }
  return std::nullopt;
}

}  // namespace prose::diameter
