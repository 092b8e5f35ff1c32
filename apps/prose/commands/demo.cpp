// prose demo [--out DIR] [--tls gba|certificate] [--ip] [--json]: the whole requirement end to end as separate
// processes on loopback, its trace tagged with the requirement's steps, a sequence chart (demo.html) and, with --json,
// a summary (docs/demo.md). The run itself is demo::Demo (demo_run.h).
#include <filesystem>
#include <string>

#include "cli.h"
#include "demo_run.h"
#include "prose/util/random.h"

namespace prose::cli::demo_command {

void register_demo(CLI::App& app) {
  auto* cmd = app.add_subcommand("demo", "Run HSS, PKMF, a relay and two Remote UEs end to end (docs/demo.md)");
  auto* out = new std::string;
  cmd->add_option("--out", *out, "Output directory (default: a fresh temporary directory)");
  auto* tls = new std::string("gba");
  cmd->add_option("--tls", *tls,
                  "How the relay and the Remote UEs authenticate to the ProSe Function and the PKMF: gba (GBA "
                  "bootstrap with the BSF over Ub, then PSK-TLS with the B-TID) or certificate (client certificates "
                  "of the demo's test PKI)")
      ->check(CLI::IsMember({"gba", "certificate"}))
      ->capture_default_str();
  auto* ip = new bool(false);
  cmd->add_flag("--ip", *ip,
                "Root: the agents in IP mode, each Remote UE, the relay and an upstream host in network namespaces of "
                "their own (veth between relay and upstream); after the link setup a Remote UE pings the upstream "
                "host and downloads 4 MiB over HTTP through the relay (round-trip time and throughput in the "
                "summary); every namespace is deleted on the way out, also on SIGINT/SIGTERM");
  bool* json = add_own_json_flag(cmd, {"tls_mode", "elapsed_s", "steps", "remote_ues", "user_data_octets", "ip",
                                       "phases", "pc5_signalling", "files"});
  cmd->callback([out, tls, json, ip] {
    if (*ip) {
      if (auto why = demo::ip_demo_unavailable(); !why.empty()) throw Exit(kExitBadInput, why);
      demo::catch_stop_signals();
    }
    std::filesystem::path dir =
        out->empty() ? std::filesystem::temp_directory_path() / ("prose-demo-" + std::to_string(random_u32()))
                     : std::filesystem::path(*out);
    demo::Demo d(std::filesystem::absolute(dir), *json,
                 *tls == "certificate" ? demo::TlsMode::kCertificate : demo::TlsMode::kGba, *ip);
    int rc = d.main();
    // With --json the summary on stdout says what failed; nothing else is printed.
    if (rc != 0) throw Exit(kExitFailure, *json ? "" : "demo failed");
  });
}

}  // namespace prose::cli::demo_command
