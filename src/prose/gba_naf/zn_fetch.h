// NafKeys::Fetch over Diameter Zn (BIR/BIA, TS 29.109) to the BSF. HssClient runs one request at a time, so
// concurrent lookups each take a connection of a small pool instead of queueing behind one: a slow answer for one
// B-TID does not hold the others. Connections are opened on demand, reused, and replaced when they fail.
#pragma once

#include <cstddef>

#include "prose/diameter_client/client.h"
#include "prose/gba_naf/naf_keys.h"

namespace prose::gba_naf {

// At most `max_connections` (at least 1) connections to the BSF; a lookup beyond that waits for a free one.
NafKeys::Fetch zn_fetch(diameter::ClientConfig config, std::size_t max_connections = 4);

}  // namespace prose::gba_naf
