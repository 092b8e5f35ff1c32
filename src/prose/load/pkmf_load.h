// The PKMF load client behind `prose pkmf-load` (docs/performance/pkmf.md, pkmf-admission.md). Provisions N UEs with
// PRUKs in a fresh store, starts `prose pkmf` as a separate process, and then either
// - load (run_pkmf_load): drives KD requests from relay clients over TLS keep-alive and reports requests/s, latency
//   percentiles and the PKMF's resident memory; or
// - hold (run_pkmf_hold): opens idle connections that never finish a TLS handshake (plain TCP, a partial ClientHello,
//   or a full ClientHello and then silence) from --sources loopback addresses, probes with a good mutual-TLS client
//   while they are held, closes them, and follows the PKMF's resident memory until it settles.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>

#include "prose/load/report.h"

namespace prose::load {

struct PkmfLoadOptions {
  std::size_t ues = 1000;
  std::string store;  // empty: SQLite in the work dir
  int threads = 4;
  int server_threads = 2;
  double duration = 10;
  double rate = 0;         // requests/s in all; 0 = as fast as possible
  std::uint16_t port = 0;  // 0: a free port, drawn at the start
  std::string pkmf_bin;    // empty: this program
  // Load mode: PKMF processes sharing the store (client thread t talks to PKMF t % pkmfs); ports after the first
  // are drawn at the start.
  int pkmfs = 1;
  // Empty: a fresh temporary work directory, deleted at the end. Otherwise this directory is kept: a later run with
  // the same --ues and --store reuses its configuration (the KEK) and the PRUK IDs it provisioned instead of
  // provisioning again (1,000,000 UEs take minutes on PostgreSQL); a non-empty directory holding anything else is
  // refused.
  std::string workdir;
  // Hold mode.
  std::size_t idle_tcp = 0;
  std::size_t idle_tls = 0;
  int sources = 1;
  int probes = 5;
  double settle = 30;
  double max_probe_ms = 1000;
  double max_peak_rss_mib = 300;
  double max_settled_rss_mib = 64;
};

// Each returns 0 when the run met its targets (load: no request failed; hold: every probe answered within
// max_probe_ms, peak RSS and settled RSS within theirs), 1 otherwise; `publish` gets the report; Abort when the run
// could not be made. Progress goes to `err`.
int run_pkmf_load(const PkmfLoadOptions& o, const std::function<void(const Report&)>& publish, std::ostream& err);
int run_pkmf_hold(const PkmfLoadOptions& o, const std::function<void(const Report&)>& publish, std::ostream& err);

}  // namespace prose::load
