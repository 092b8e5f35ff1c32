// The relay load test behind `prose relay-load` (docs/performance/agents.md).
//
// Sets up a test PKI, a PKMF store with N Remote UEs each holding a PRUK, starts `prose pkmf` and `prose relay` as
// separate processes (the relay's upstream is a UDP echo server run here), then emulates the N Remote UEs in this
// process: one link::RemoteUe state machine per UE driven with real time, each with its own layer-2 ID, all sharing
// one UDP socket as their end of the emulated PC5 sidelink (frame.h). Discovery is skipped: the UEs know the relay's
// L2 ID (the relay's first announcement only tells that it is up). Measures per UE the time from sending the Direct
// Communication Request to receiving the Direct Communication Accept (including the relay's KD request to the PKMF
// over TLS), then echoes user data through the relay and checks every echo decrypts to what was sent.
// Baselines measured in the same run: the in-memory handshake of the two link machines (no PKMF process, no UDP),
// a KD request straight to the PKMF, and a UDP echo without the relay.
#pragma once

#include <cstddef>
#include <functional>
#include <iosfwd>
#include <string>

#include "prose/load/report.h"

namespace prose::load {

struct RelayLoadOptions {
  std::size_t ues = 100;
  std::size_t concurrency = 10;
  std::size_t datagrams = 10;
  std::size_t size = 256;
  std::size_t window = 64;
  std::size_t baseline_iterations = 1000;
  std::size_t unauthorised = 0;  // the last K UEs are authorised for another RSC only (their setups must fail)
  std::size_t relay_pkmf_connections = 4;  // the relay's [relay] pkmf_connections (0: KD requests on its loop)
  unsigned algorithms = 2;  // every link's 128-EEA n and 128-EIA n: 1 SNOW 3G, 2 AES, 3 ZUC (what the UEs offer)
  double loss_timeout = 2.0;
  double max_loss = 0.0;
  double timeout = 900;
  std::string dir;        // work directory (kept); empty: a temporary one, removed after a clean run
  std::string prose_bin;  // the prose program that runs the PKMF and the relay; empty: this program
};

// Runs the test; `publish` gets the report once it is complete (before the failures are told on `err`). Returns 0
// when every UE set its link up and echoed its data (within --max-loss), 1 otherwise; throws Abort when the run
// could not be made (bad options, a server that did not come up, the timeout).
int run_relay_load(const RelayLoadOptions& o, const std::function<void(const Report&)>& publish, std::ostream& err);

}  // namespace prose::load
