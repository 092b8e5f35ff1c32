// prose relay-load: load test of one UE-to-Network Relay agent (docs/performance/agents.md). The options; the test
// itself is prose::load::run_relay_load (src/prose/load/relay_load.h).
#include <signal.h>

#include <iostream>

#include "cli.h"
#include "load_output.h"
#include "prose/load/relay_load.h"

namespace prose::cli::relay_load_command {

void register_relay_load(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "relay-load", "Load-test a relay agent: N emulated Remote UEs set links up via the PKMF and echo user data");
  auto* o = new load::RelayLoadOptions;
  cmd->add_option("--ues", o->ues, "Remote UEs (each provisioned with a PRUK); the first sets up alone, unmeasured")
      ->check(CLI::Range(2, 65000));
  cmd->add_option("--concurrency", o->concurrency, "Link setups in flight at a time")->check(CLI::Range(1, 65000));
  cmd->add_option("--datagrams", o->datagrams, "Datagrams each UE echoes through the relay")
      ->check(CLI::Range(0, 1000000));
  cmd->add_option("--size", o->size, "Datagram size in octets")->check(CLI::Range(8, 8000));
  cmd->add_option("--window", o->window, "Datagrams in flight at a time (all UEs)")->check(CLI::Range(1, 100000));
  cmd->add_option("--algorithms", o->algorithms,
                  "Every link's 128-EEA n and 128-EIA n: 1 SNOW 3G, 2 AES, 3 ZUC (the only pair the UEs offer)")
      ->check(CLI::Range(1, 3));
  cmd->add_option("--baseline-iterations", o->baseline_iterations,
                  "Samples of the in-memory handshake and of the direct PKMF KD request baselines")
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--unauthorised", o->unauthorised,
                  "Check of the failure path: the last K UEs are authorised for another RSC only, so the PKMF "
                  "refuses their KD and the run must fail")
      ->check(CLI::Range(0, 65000));
  cmd->add_option("--relay-pkmf-connections", o->relay_pkmf_connections,
                  "The relay's PC8 connections for KD requests (0: on its event loop)")
      ->check(CLI::Range(0, 64));
  cmd->add_option("--loss-timeout", o->loss_timeout, "Seconds after which a datagram counts as lost")
      ->check(CLI::Range(0.01, 60.0));
  cmd->add_option("--max-loss", o->max_loss, "Fraction of lost datagrams tolerated (default 0)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--timeout", o->timeout, "Give up after this many seconds in all")->check(CLI::Range(1.0, 86400.0));
  cmd->add_option("--dir", o->dir, "Work directory (kept; default: a temporary one, removed after a clean run)");
  add_json_flag(cmd, {"ues",
                      "concurrency",
                      "ues_not_authorised_for_the_rsc",
                      "discovery",
                      "links_secured",
                      "ues_failed",
                      "setups_measured_ues_2_n",
                      "datagram_size",
                      "eea_and_eia",
                      "datagrams_per_ue",
                      "window",
                      "datagrams_sent",
                      "datagrams_echoed",
                      "datagrams_lost",
                      "datagrams_corrupt",
                      "datagrams_late",
                      "baseline_direct_echo_lost",
                      "links_released",
                      "pdus_dropped_by_the_ues",
                      "pc5_frames_sent",
                      "pc5_frames_received",
                      "pc5_retransmissions_in_setups",
                      "pc5_retransmissions_in_releases",
                      "udp_receive_buffer_overflows_system_wide",
                      "load_average_start_end",
                      "provisioning_s",
                      "setup_phase_s",
                      "setups_s",
                      "first_setup_ms_incl_the_relay_s_tls_connection_to_the_pkmf",
                      "setup_median_ms",
                      "setup_p99_ms",
                      "setup_max_ms",
                      "baseline_in_memory_handshake_median_ms",
                      "baseline_in_memory_handshake_p99_ms",
                      "baseline_pkmf_first_kd_request_ms_incl_tls_connection",
                      "baseline_pkmf_kd_request_median_ms",
                      "baseline_pkmf_kd_request_p99_ms",
                      "data_round_trip_p50_ms",
                      "data_round_trip_p99_ms",
                      "datagrams_s",
                      "baseline_direct_echo_datagrams_s",
                      "baseline_direct_echo_round_trip_p50_ms",
                      "baseline_direct_echo_round_trip_p99_ms",
                      "relay_cpu_s_in_setups",
                      "relay_cpu_s_in_data",
                      "relay_cpu_s_total",
                      "relay_cpu_ms_per_setup",
                      "relay_cpu_us_per_echoed_datagram",
                      "pkmf_cpu_s_in_setups",
                      "pkmf_cpu_s_total",
                      "relay_rss_idle_mib",
                      "relay_rss_with_links_mib",
                      "relay_rss_end_mib",
                      "relay_peak_rss_mib",
                      "pkmf_rss_mib",
                      "pkmf_peak_rss_mib",
                      "setup_median_in_memory_handshake_median",
                      "setup_median_pkmf_kd_request_median",
                      "relay_datagrams_s_direct_echo"});
  cmd->callback([o] {
    ::signal(SIGPIPE, SIG_IGN);
    int rc = run_load([o] { return load::run_relay_load(*o, print_load_report, std::cerr); });
    if (rc != 0) throw Exit(rc, "some Remote UEs failed (see above)");
  });
}

}  // namespace prose::cli::relay_load_command
