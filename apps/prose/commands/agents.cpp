// prose relay --config FILE       UE-to-Network Relay agent (docs/agents.md)
// prose remote-ue --config FILE   Remote UE agent
#include <iostream>

#include "cli.h"
#include "prose/agents/agents.h"

namespace prose::cli {

void register_agents(CLI::App& app) {
  auto* relay = app.add_subcommand("relay", "Run a UE-to-Network Relay agent (PC5 over UDP, PC8 to the PKMF)");
  auto* rcfg = new std::string;
  relay->add_option("--config", *rcfg, "TOML configuration file (docs/agents.md)")->required();
  add_json_flag(relay);
  relay->callback([rcfg] {
    auto c = agents::load_relay_config(*rcfg);
    if (!c.ok()) bad_input("--config: " + c.error().to_string());
    auto s = agents::run_relay(std::move(*c));
    if (!s.ok()) throw Exit(kExitFailure, "relay: " + s.error().to_string());
  });
  auto* ue = app.add_subcommand("remote-ue", "Run a Remote UE agent (key store, PC8/MIKEY, PC5 link via a relay)");
  auto* ucfg = new std::string;
  ue->add_option("--config", *ucfg, "TOML configuration file (docs/agents.md)")->required();
  add_json_flag(ue);
  ue->callback([ucfg] {
    auto c = agents::load_remote_ue_config(*ucfg);
    if (!c.ok()) bad_input("--config: " + c.error().to_string());
    auto s = agents::run_remote_ue(std::move(*c));
    if (!s.ok()) throw Exit(kExitFailure, "remote-ue: " + s.error().to_string());
  });
}

}  // namespace prose::cli
