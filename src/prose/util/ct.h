// Constant-time comparison for MACs and keys.
#pragma once

#include "prose/util/bytes.h"

namespace prose {

// True when both have the same length and content; the time depends only on the lengths.
bool ct_equal(ByteView a, ByteView b);

}  // namespace prose
