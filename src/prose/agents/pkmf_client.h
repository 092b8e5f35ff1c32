// PC8 to the PKMF over mutual TLS (and the same client for the ProSe Function's PC3).
#pragma once

#include <memory>

#include "prose/agents/agents.h"
#include "prose/net/client.h"
#include "prose/pc8/messages.h"
#include "prose/util/result.h"

namespace prose::agents {

Result<std::unique_ptr<net::HttpsClient>> make_client(const PkmfClientConfig& p);
// One PC8 exchange (no logging: the relay's PKMF workers run it on their own threads). A 503 with a PC8 body
// (temporarily-unavailable) is an answer; other HTTP statuses are kIo.
Result<pc8::Response> pc8_exchange(net::HttpsClient& client, const pc8::Request& req);
// pc8_exchange() after flushing the trace lines that led to it.
Result<pc8::Response> pc8_call(net::HttpsClient& client, const pc8::Request& req);

}  // namespace prose::agents
