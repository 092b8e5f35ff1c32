// The PC5 cause a relay sends in its Direct Communication Reject when the PKMF does not give it KD (PC8 Key
// Response with an error code, or no usable answer at all). One table, one row per PC8 error code
// (docs/architecture.md "Service layer"); a unit test checks that every code of pc8::error_code_table() has a row.
#pragma once

#include <span>

#include "prose/pc5/constants.h"
#include "prose/pc8/error_codes.h"

namespace prose::service {

struct Pc8ErrorCause {
  pc8::ErrorCode code;
  pc5::Cause cause;
};

// Every PC8 error code with its PC5 cause, in the order of pc8::error_code_table():
//   unknown PRUK ID / IMSI                 -> #2 authentication failure (the Remote UE then falls back to its IMSI)
//   relay or UE not authorised, unknown RSC -> #1 direct communication not allowed
//   anything else                           -> #6 link setup failure due to other errors
std::span<const Pc8ErrorCause> pc8_error_cause_table();
pc5::Cause pc5_cause_for(pc8::ErrorCode code);

// No PC8 answer at all (PKMF unreachable, TLS or HTTP failure, undecodable body).
inline constexpr pc5::Cause kCauseWhenPkmfFailed = pc5::Cause::kLinkSetupFailureOtherErrors;
// A PC8 answer that is not a Key Response (KD).
inline constexpr pc5::Cause kCauseWhenPkmfAnsweredOtherType = pc5::Cause::kUnspecifiedError;

}  // namespace prose::service
