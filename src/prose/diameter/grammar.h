// Command grammar checks (RFC 6733 3.2 CCF): which AVPs a command knows, how often each may occur, which are
// required. A receiver answers the first violation with the Result-Code and Failed-AVP RFC 6733 7.1.5 and 7.5 ask:
//  * an AVP with the M bit that neither the command's rules nor the receiver's dictionary know -> 5001
//    DIAMETER_AVP_UNSUPPORTED, Failed-AVP = that AVP (a known AVP outside the rules falls under the CCF's
//    *[ AVP ]; unknown AVPs without the M bit are ignored, RFC 6733 4.1);
//  * more occurrences than allowed -> 5009 DIAMETER_AVP_OCCURS_TOO_MANY_TIMES, Failed-AVP = the first one too many;
//  * a required AVP missing -> 5005 DIAMETER_MISSING_AVP, Failed-AVP = the AVP's code and vendor with a zero-filled
//    payload of the minimum length of its type.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "prose/diameter/message.h"

namespace prose::diameter {

struct AvpRule {
  std::uint32_t code = 0;
  std::uint32_t vendor = 0;
  std::uint8_t min = 0;          // 1: required ({ } or < > in the CCF)
  std::uint8_t max = 1;          // 0: any number (* in the CCF)
  std::uint8_t min_payload = 0;  // octets of the smallest valid payload (for Failed-AVP of a missing AVP)
};

struct Violation {
  std::uint32_t result_code = 0;
  Avp failed;  // goes into Failed-AVP
  std::string message;
};

// The first violation of `rules` in `avps`, in the order above; std::nullopt when the AVPs fit. `dictionary`
// lists the other AVPs the receiver knows (only code and vendor are read).
std::optional<Violation> check_grammar(const std::vector<Avp>& avps, std::span<const AvpRule> rules,
                                       std::span<const AvpRule> dictionary = {});

}  // namespace prose::diameter
