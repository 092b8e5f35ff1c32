// prose relay --config FILE                UE-to-Network Relay agent (docs/agents.md)
// prose relay example-config [options]     print a complete, commented relay configuration
// prose remote-ue --config FILE            Remote UE agent
// prose remote-ue example-config [options] print a complete, commented Remote UE configuration
#include <cctype>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli.h"
#include "prose/agents/agents.h"

namespace prose::cli::agents_command {

namespace {

// The options both example-config commands share; `sidelink_default` and `peer_default` are the kind's defaults.
std::shared_ptr<agents::ExampleOptions> add_example_options(CLI::App* ex, const std::string& sidelink_default,
                                                            const std::string& peer_default) {
  auto o = std::make_shared<agents::ExampleOptions>();
  ex->add_option("--l2-id", o->l2_id, "Layer-2 ID, 24 bits (default: 0x00aa01 relay, 0x00ee01 Remote UE)")
      ->check(CLI::Range(1, 0xfffffe));
  ex->add_option("--rsc", o->relay_service_code, "Relay Service Code, 24 bits (0x... or decimal)")
      ->check(CLI::Range(0, 0xffffff))
      ->capture_default_str();
  ex->add_option("--prose-function-port", o->prose_function_port, "HTTPS port of the ProSe Function")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  ex->add_option("--prose-function-name", o->prose_function_server_name,
                 "Name in the ProSe Function's certificate (pkmf.prose.test when the PKMF hosts it)")
      ->capture_default_str();
  ex->add_option("--pki", o->pki_dir, "PKI directory (`prose pki init`), relative to the configuration file")
      ->capture_default_str();
  ex->add_option("--sidelink-port", o->sidelink_port,
                 "This node's UDP port on 127.0.0.1 (default " + sidelink_default + ")")
      ->check(CLI::Range(1, 65535));
  ex->add_option("--peer", o->peers, "Another node's sidelink port (repeat; default " + peer_default + ")")
      ->check(CLI::Range(1, 65535));
  return o;
}

// The keys of the agents' JSON lines: one object per output line, every key present (null when the kind has none).
const std::vector<std::string> kLineKeys = {"kind",     "from",    "to",      "event",     "text",      "src_port",
                                            "dst_port", "time_us", "payload", "src_l2_id", "dst_l2_id", "message"};

std::vector<std::string> split(const std::string& s, std::size_t parts) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (out.size() + 1 < parts) {
    const auto bar = s.find('|', pos);
    if (bar == std::string::npos) break;
    out.push_back(s.substr(pos, bar - pos));
    pos = bar + 1;
  }
  out.push_back(s.substr(pos));
  return out;
}

// --json: each MSC / EVT / CAP / PC5 line of the agent becomes one JSON line (docs/cli.md "JSON output").
void json_lines() {
  agents::set_line_writer([](const std::string& l) {
    Output out(true);
    const auto kind = l.substr(0, l.find('|'));
    if (kind == "MSC") {
      auto f = split(l, 4);
      if (f.size() == 4) out.text("from", "", f[1]).text("to", "", f[2]).text("text", "", f[3]);
    } else if (kind == "EVT") {
      auto f = split(l, 3);
      if (f.size() == 3) out.text("event", "", f[1]).text("text", "", f[2]);
    } else if (kind == "CAP") {
      auto f = split(l, 5);
      if (f.size() == 5) {
        out.num("src_port", "", std::stoll(f[1])).num("dst_port", "", std::stoll(f[2]));
        out.num("time_us", "", std::stoll(f[3])).text("payload", "", f[4]);
      }
    } else if (kind == "PC5") {
      auto f = split(l, 4);
      auto l2 = [](const std::string& v) { return v.rfind("0x", 0) == 0 ? v.substr(2) : v; };
      if (f.size() == 4) out.text("src_l2_id", "", l2(f[1])).text("dst_l2_id", "", l2(f[2])).text("message", "", f[3]);
    } else {
      out.text("text", "", l);
    }
    std::string k = kind;
    for (auto& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.text("kind", "", k == l ? std::string("text") : k);
    out.print();
  });
}

}  // namespace

void register_agents(CLI::App& app) {
  auto* relay = app.add_subcommand("relay", "Run a UE-to-Network Relay agent (PC5 over UDP, PC8 to the PKMF)");
  auto* rcfg = new std::string;
  relay->add_option("--config", *rcfg, "TOML configuration file (docs/agents.md)");
  bool* json = add_json_lines_flag(relay, kLineKeys);
  auto* rex = relay->add_subcommand(
      "example-config", "Print a complete, commented relay configuration (ProSe Function and PKI on loopback)");
  auto ro = add_example_options(rex, "5001", "5002");
  ro->name = "r1";
  rex->add_option("--id", ro->name, "Relay id: its certificate is <pki>/relay-<id>.pem")->capture_default_str();
  rex->add_option("--upstream-port", ro->upstream_port, "UDP port on 127.0.0.1 the Remote UEs' data goes to")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  rex->callback([ro] { std::cout << agents::relay_example_config(*ro); });
  relay->callback([relay, rcfg, json] {
    if (!relay->get_subcommands().empty()) return;
    if (*json) json_lines();
    if (rcfg->empty()) bad_input("--config FILE is required (see `prose relay example-config`)");
    auto c = agents::load_relay_config(*rcfg);
    if (!c.ok()) bad_input("--config: " + c.error().to_string());
    auto s = agents::run_relay(std::move(*c));
    if (!s.ok()) throw Exit(kExitFailure, "relay: " + s.error().to_string());
  });

  auto* ue = app.add_subcommand("remote-ue", "Run a Remote UE agent (key store, PC8/MIKEY, PC5 link via a relay)");
  auto* ucfg = new std::string;
  ue->add_option("--config", *ucfg, "TOML configuration file (docs/agents.md)");
  add_json_lines_flag(ue, kLineKeys);
  auto* uex = ue->add_subcommand(
      "example-config", "Print a complete, commented Remote UE configuration (ProSe Function and PKI on loopback)");
  auto uo = add_example_options(uex, "5002", "5001");
  uo->name = "ue1";
  uex->add_option("--name", uo->name, "Name in the agent's output; the key store is <name>.keys")
      ->capture_default_str();
  uex->add_option("--imsi", uo->imsi, "IMSI: its certificate is <pki>/ue-<IMSI>.pem")->capture_default_str();
  uex->add_option("--k", uo->k_hex, "USIM key K, 32 hex digits (default: random)");
  uex->add_option("--opc", uo->opc_hex, "USIM OPc, 32 hex digits (default: random)");
  uex->add_option("--provision", uo->provision,
                  "true: a Key Request and the PRUK by MIKEY at start; false: the link names the IMSI (GBA Push)")
      ->capture_default_str();
  uex->add_option("--discovery", uo->discovery, "Discovery model: A (listen for announcements) or B (solicit)")
      ->check(CLI::IsMember({"A", "B"}))
      ->capture_default_str();
  uex->add_option("--app-port", uo->app_port, "UDP port on 127.0.0.1 applications send through the relay")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  uex->callback([uo] {
    if (!uo->k_hex.empty()) (void)secret_option("--k", uo->k_hex, 16);
    if (!uo->opc_hex.empty()) (void)secret_option("--opc", uo->opc_hex, 16);
    std::cout << agents::remote_ue_example_config(*uo);
  });
  ue->callback([ue, ucfg, json] {
    if (!ue->get_subcommands().empty()) return;
    if (*json) json_lines();
    if (ucfg->empty()) bad_input("--config FILE is required (see `prose remote-ue example-config`)");
    auto c = agents::load_remote_ue_config(*ucfg);
    if (!c.ok()) bad_input("--config: " + c.error().to_string());
    auto s = agents::run_remote_ue(std::move(*c));
    if (!s.ok()) throw Exit(kExitFailure, "remote-ue: " + s.error().to_string());
  });
}

}  // namespace prose::cli::agents_command
