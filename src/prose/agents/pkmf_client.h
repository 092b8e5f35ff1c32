// PC8 to the PKMF over mutual TLS or, with `gba`, GBA PSK-TLS (gba_ue.h) (and the same client for the ProSe
// Function's PC3).
#pragma once

#include <memory>

#include "prose/agents/agents.h"
#include "prose/agents/gba_ue.h"
#include "prose/net/client.h"
#include "prose/pc8/messages.h"
#include "prose/util/result.h"

namespace prose::agents {

// `gba` (may be null: certificate mode) must outlive the client.
Result<std::unique_ptr<net::HttpsClient>> make_client(const PkmfClientConfig& p, GbaUe* gba = nullptr);
// One PC8 exchange (no logging: the relay's PKMF workers run it on their own threads). A 503 with a PC8 body
// (temporarily-unavailable) is an answer; other HTTP statuses are kIo. With `gba`: GbaUe::call (bootstrap first,
// once more after the NAF refused the B-TID).
Result<pc8::Response> pc8_exchange(net::HttpsClient& client, const pc8::Request& req, GbaUe* gba = nullptr);
// pc8_exchange() after flushing the trace lines that led to it.
Result<pc8::Response> pc8_call(net::HttpsClient& client, const pc8::Request& req, GbaUe* gba = nullptr);

}  // namespace prose::agents
