// prose pkmf --config FILE             run the ProSe Key Management Function until SIGINT/SIGTERM (SIGHUP:
//                                      re-read the [tls] crl file)
// prose pkmf example-config --dir DIR  write a working loopback configuration with a test PKI
#include <iostream>

#include "cli.h"
#include "prose/pkmf_host/host.h"
#include "prose/util/log.h"
#include "stop_signals.h"

namespace prose::cli::pkmf_command {

void register_pkmf(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("pkmf", "Run the ProSe Key Management Function (PC8 over mutual TLS, MIKEY, GBA Push)");
  auto* config = new std::string;
  cmd->add_option("--config", *config, "TOML configuration file");
  auto* example = cmd->add_subcommand("example-config", "Write a working loopback configuration and test PKI");
  auto* dir = new std::string;
  auto* port = new int(8443);
  example->add_option("--dir", *dir, "Directory to create it in")->required();
  example->add_option("--port", *port, "HTTPS port (0: any free port)")->check(CLI::Range(0, 65535));
  auto* mikey_port = new int(2270);
  example->add_option("--mikey-port", *mikey_port, "UDP port MIKEY is sent from (0: any free port)")
      ->check(CLI::Range(0, 65535));
  auto* hss_port = new int(3868);
  example->add_option("--hss-port", *hss_port, "Diameter port of the HSS/BSF (0: no HSS section)")
      ->check(CLI::Range(0, 65535));
  auto* ues = new std::vector<std::string>{"001010000000001", "001010000000002"};
  auto* relays = new std::vector<std::string>{"r1"};
  example->add_option("--ue", *ues, "IMSI to issue a client certificate for (repeat)");
  example->add_option("--relay", *relays, "Relay id to issue a client certificate for (repeat)");
  auto* store_url = new std::string;
  example->add_option("--store", *store_url, "Store URL instead of the SQLite file (e.g. postgresql://...)");
  example->callback([=] {
    pkmf::ExampleConfigOptions o;
    o.dir = *dir;
    o.port = static_cast<std::uint16_t>(*port);
    o.mikey_port = static_cast<std::uint16_t>(*mikey_port);
    o.hss_port = *hss_port ? std::optional<std::uint16_t>(static_cast<std::uint16_t>(*hss_port)) : std::nullopt;
    o.ue_imsis = *ues;
    o.relay_ids = *relays;
    o.store_url = *store_url;
    std::cout << or_exit(pkmf::write_example_config(o), "example-config") << "\n";
  });
  cmd->callback([cmd, config] {
    if (!cmd->get_subcommands().empty()) return;
    if (config->empty()) bad_input("--config FILE is required (see `prose pkmf example-config --dir DIR`)");
    auto cfg = or_exit(pkmf_host::load_config(*config), "bad configuration");
    block_stop_signals();  // before any thread starts
    log::setup("pkmf", cfg.pkmf.log_level, cfg.pkmf.log_format);
    pkmf_host::PkmfHost host(std::move(cfg));  // the PKMF, and the ProSe Function with [prose_function]
    or_exit(host.start(), "cannot start the PKMF", kExitFailure);
    pkmf::PkmfServer& server = host.pkmf();
    std::cout << "pkmf: listening on https port " << server.https_port() << ", mikey port " << server.mikey_port()
              << std::endl;
    int sig = wait_for_stop_signal([&server] {
      log::info("pkmf: SIGHUP, re-reading the CRL");
      (void)server.reload_crl();  // logs what happened
    });
    log::info("pkmf: signal {}, shutting down", sig);
    host.stop();
  });
}

}  // namespace prose::cli::pkmf_command
