// prose pkmf-load: the PKMF load client (docs/performance/pkmf.md) and its hold mode
// (docs/performance/pkmf-admission.md). The options; the runs are prose::load::run_pkmf_load and run_pkmf_hold
// (src/prose/load/pkmf_load.h).
#include <iostream>

#include "cli.h"
#include "load_output.h"
#include "prose/load/pkmf_load.h"
#include "prose/testbed/ports.h"

namespace prose::cli::pkmf_load_command {

void register_pkmf_load(CLI::App& app) {
  auto* cmd = app.add_subcommand("pkmf-load", "Load-test a PKMF process with KD requests over TLS keep-alive");
  auto* o = new load::PkmfLoadOptions;
  cmd->add_option("--ues", o->ues, "Provisioned UEs (each with a PRUK)")->check(CLI::Range(1, 10000000));
  cmd->add_option("--store", o->store, "Store URL (default: SQLite in a temp dir)");
  cmd->add_option("--threads", o->threads, "Client threads (one keep-alive connection each)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--server-threads", o->server_threads, "PKMF io threads")->check(CLI::Range(1, 64));
  cmd->add_option("--duration", o->duration, "Seconds of load")->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--rate", o->rate, "Offered requests/s in all (0 = as fast as possible)");
  cmd->add_option("--port", o->port, "HTTPS port for the PKMF under test (default 0: any free port)");
  cmd->add_option("--pkmf-bin", o->pkmf_bin,
                  "prose binary to run the PKMF with, e.g. a baseline build (default: this one; the configuration "
                  "then has no [connections] section, so the defaults apply)");
  cmd->add_option("--pkmfs", o->pkmfs,
                  "PKMF processes on the same store; client thread t talks to PKMF t % N (load mode; the report "
                  "gives each one's requests/s, RSS is the largest one's)")
      ->check(CLI::Range(1, 2));
  cmd->add_option(
      "--workdir", o->workdir,
      "Keep the work directory (configuration, KEK, PKI, PRUK IDs) here; a later run with the same --ues "
      "and --store reuses what it provisioned instead of provisioning again; a directory holding anything else is "
      "refused (default: a temporary one)");
  add_json_flag(cmd, {"store",
                      "ues",
                      "provisioning_s",
                      "client_threads",
                      "offered_rate",
                      "requests",
                      "errors",
                      "requests_s",
                      "pkmfs",
                      "pkmf_1_requests_s",
                      "pkmf_2_requests_s",
                      "p50_ms",
                      "p99_ms",
                      "max_ms",
                      "pkmf_rss_idle_mib",
                      "pkmf_rss_mib",
                      "pkmf_peak_rss_mib",
                      "idle_tcp_connections",
                      "idle_tls_connections",
                      "source_addresses",
                      "connects_failed",
                      "reopened",
                      "open_s",
                      "pkmf_busy_after_open_s",
                      "pkmf_connections_held",
                      "pkmf_rss_before_mib",
                      "pkmf_rss_held_mib",
                      "kib_per_held_connection",
                      "probes",
                      "probes_failed",
                      "slowest_probe_ms",
                      "probe_ms",
                      "pkmf_rss_after_close_mib",
                      "settled_s",
                      "refused",
                      "handshake_failures"});
  cmd->add_option("--idle-tcp", o->idle_tcp, "Hold mode: idle TCP connections that never send a byte")
      ->check(CLI::Range(0, 1000000));
  cmd->add_option("--idle-tls", o->idle_tls,
                  "Hold mode: connections that send a ClientHello (every other one only half of it) and stall")
      ->check(CLI::Range(0, 1000000));
  cmd->add_option("--sources", o->sources, "Hold mode: spread them over 127.0.0.10 .. 127.0.0.(9+N)")
      ->check(CLI::Range(1, 240));
  cmd->add_option("--probes", o->probes, "Hold mode: good-client KD requests while they are held")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--settle", o->settle, "Hold mode: seconds to wait for RSS to fall after they close")
      ->check(CLI::Range(0.0, 3600.0));
  cmd->add_option("--max-probe-ms", o->max_probe_ms, "Hold mode: target for the slowest probe (exit 1 above)");
  cmd->add_option("--max-peak-rss-mib", o->max_peak_rss_mib, "Hold mode: target for the PKMF's peak RSS");
  cmd->add_option("--max-settled-rss-mib", o->max_settled_rss_mib,
                  "Hold mode: RSS the PKMF must fall to within --settle seconds");
  cmd->callback([o] {
    if (o->port == 0) o->port = or_exit(testbed::free_port(testbed::Proto::kTcp), "", kExitFailure);
    if (o->idle_tcp + o->idle_tls > 0) {
      o->ues = 1;
      if (run_load([o] { return load::run_pkmf_hold(*o, print_load_report, std::cerr); }) != 0)
        throw Exit(kExitFailure, "a target was missed");
      return;
    }
    int rc = run_load([o] { return load::run_pkmf_load(*o, print_load_report, std::cerr); });
    if (rc != 0) throw Exit(rc, "some requests failed");
  });
}

}  // namespace prose::cli::pkmf_load_command
