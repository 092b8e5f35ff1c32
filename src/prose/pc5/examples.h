// Valid sample PC5 signalling messages: every message type of TS 24.334 with all its optional IEs (and a second
// DIRECT_COMMUNICATION_REQUEST with a PRUK ID and no optional IEs). `prose pc5 example` prints them; the tests share
// them. Each encodes and decodes back to itself.
#pragma once

#include <vector>

#include "prose/pc5/messages.h"

namespace prose::pc5 {

std::vector<Message> example_messages();

}  // namespace prose::pc5
