// prose prose-function --config FILE              run the ProSe Function (PC3 service authorisation) standalone
// prose prose-function example-config --dir DIR   write a working loopback configuration (shares a PKMF's store)
// prose prose-function query ...                  ask a ProSe Function for the parameters of a role (a UE's view)
// prose prose-function example KIND | schema | validate FILE   sample messages, the PC3 XML schema built into
//                                                               the binary, check a message
#include <iostream>
#include <memory>

#include "cli.h"
#include "prose/diameter_client/client.h"
#include "prose/gba_naf/naf_keys.h"
#include "prose/gba_naf/zn_fetch.h"
#include "prose/pc3/codec.h"
#include "prose/pc3/constants.h"
#include "prose/pc3/examples.h"
#include "prose/pc3/schema.h"
#include "prose/prosefn/client.h"
#include "prose/prosefn/server.h"
#include "prose/util/log.h"
#include "stop_signals.h"

namespace prose::cli::prose_function_command {
namespace {

std::string rsc_hex(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "%06x", v);
  return b;
}

struct QueryOpts {
  std::string host = "127.0.0.1";
  int port = 8444;
  std::string ca, cert, key, server_name = "prose-function.prose.test", role = "remote-ue";
  std::vector<std::string> rscs;
  bool* json = nullptr;
};

void add_query(CLI::App* cmd) {
  auto o = std::make_shared<QueryOpts>();
  auto* sub = cmd->add_subcommand("query", "Ask a ProSe Function for the parameters of a role (PC3, mutual TLS)");
  sub->add_option("--host", o->host, "ProSe Function host");
  sub->add_option("--port", o->port, "ProSe Function HTTPS port")->check(CLI::Range(1, 65535));
  sub->add_option("--ca", o->ca, "CA certificate (PEM) of the server")->required();
  sub->add_option("--cert", o->cert, "client certificate (PEM) carrying imsi-<IMSI> or relay-<id>")->required();
  sub->add_option("--key", o->key, "its private key (PEM)")->required();
  sub->add_option("--server-name", o->server_name, "name the server certificate must match");
  sub->add_option("--role", o->role, "remote-ue or relay");
  sub->add_option("--rsc", o->rscs, "Relay Service Code, 6 hex digits (repeat)")->required();
  o->json = add_json_flag(sub, {"parameters"});
  sub->callback([o] {
    auto role = pc3::role_from_name(o->role);
    if (!role) bad_input("--role: expected remote-ue or relay, got '" + o->role + "'");
    std::vector<std::uint32_t> rscs;
    for (const auto& r : o->rscs) rscs.push_back(static_cast<std::uint32_t>(hex_uint_option("--rsc", r, 24)));
    net::HttpsClientConfig c;
    c.host = o->host;
    c.port = static_cast<std::uint16_t>(o->port);
    c.tls.ca_file = o->ca;
    c.tls.cert_file = o->cert;
    c.tls.key_file = o->key;
    c.tls.server_name = o->server_name;
    auto client = or_exit(net::HttpsClient::create(c), "query");
    auto params = prosefn::fetch_service_parameters(*client, *role, rscs);
    if (!params.ok()) {
      int code = params.error().code == Errc::kDenied || params.error().code == Errc::kInvalidArgument ? kExitBadInput
                                                                                                       : kExitFailure;
      throw Exit(code, "query: " + params.error().to_string(), error_code_for(params.error().code));
    }
    if (*o->json) {
      nlohmann::ordered_json arr = nlohmann::ordered_json::array();
      for (const auto& p : *params) {
        nlohmann::ordered_json j;
        j["relay_service_code"] = rsc_hex(p.relay_service_code);
        j["role"] = std::string(pc3::role_name(p.role));
        j["pkmf"] = {
            {"host", p.pkmf.host}, {"port", p.pkmf.port}, {"server_name", p.pkmf.server_name}, {"fqdn", p.pkmf.fqdn}};
        j["model_a"] = p.model_a;
        j["model_b"] = p.model_b;
        j["duik"] = p.use_duik;
        j["dusk"] = p.use_dusk;
        j["duck"] = p.use_duck;
        j["max_offset"] = p.max_offset;
        j["announce_ms"] = p.role == pc3::Role::kRelay ? nlohmann::ordered_json(p.announce_ms) : nullptr;
        arr.push_back(j);
      }
      Output(true).raw("parameters", arr).print();
      return;
    }
    for (const auto& p : *params) {
      std::cout << "Relay Service Code: " << rsc_hex(p.relay_service_code) << "\n"
                << "Role: " << pc3::role_name(p.role) << "\n"
                << "PKMF: https://" << p.pkmf.host << ":" << p.pkmf.port << " (server name " << p.pkmf.server_name
                << ", fqdn " << p.pkmf.fqdn << ")\n"
                << "Discovery models: " << (p.model_a ? "A" : "") << (p.model_a && p.model_b ? "," : "")
                << (p.model_b ? "B" : "") << "\n"
                << "Discovery keys: " << (p.use_duik ? "DUIK " : "") << (p.use_dusk ? "DUSK " : "")
                << (p.use_duck ? "DUCK" : "") << "\n"
                << "Max UTC counter offset: " << p.max_offset << "\n";
      if (p.role == pc3::Role::kRelay) std::cout << "Announce period ms: " << p.announce_ms << "\n";
    }
  });
}

}  // namespace

void register_prose_function(CLI::App& app) {
  auto* cmd = app.add_subcommand("prose-function",
                                 "Run the ProSe Function: PC3 service authorisation for UE-to-Network Relay service");
  auto* config = new std::string;
  cmd->add_option("--config", *config, "TOML configuration file");

  auto* example = cmd->add_subcommand("example-config", "Write a working loopback configuration and test PKI");
  auto* dir = new std::string;
  auto* port = new int(8444);
  auto* pkmf_port = new int(8443);
  auto* store_url = new std::string;
  example->add_option("--dir", *dir, "Directory to create it in (the PKMF's example directory shares its store)")
      ->required();
  example->add_option("--port", *port, "HTTPS port")->check(CLI::Range(1, 65535));
  example->add_option("--pkmf-port", *pkmf_port, "PKMF HTTPS port handed out")->check(CLI::Range(1, 65535));
  example->add_option("--store", *store_url, "Store URL instead of the SQLite file (e.g. postgresql://...)");
  example->callback([=] {
    prosefn::ExampleConfigOptions o;
    o.dir = *dir;
    o.port = static_cast<std::uint16_t>(*port);
    o.pkmf_port = static_cast<std::uint16_t>(*pkmf_port);
    o.store_url = *store_url;
    std::cout << or_exit(prosefn::write_example_config(o), "example-config") << "\n";
  });

  add_query(cmd);

  auto* ex = cmd->add_subcommand("example", "Print a sample PC3 message (valid against schema/pc3.xsd)");
  auto* kind = new std::string;
  auto* list = new bool(false);
  ex->add_option("kind", *kind, "request, response, relay-response or response-reject");
  ex->add_flag("--list", *list, "List the kinds");
  ex->callback([kind, list] {
    if (*list) {
      for (const auto& e : pc3::example_list()) std::cout << e.name << "  " << e.description << "\n";
      return;
    }
    if (kind->empty()) bad_input("KIND is required (see --list)");
    auto m = or_exit(pc3::example(*kind), "example");
    std::cout << or_exit(pc3::Codec::encode(m), "example");
  });

  auto* schema = cmd->add_subcommand("schema", "Print the PC3 XML schema (schema/pc3.xsd) built into the binary");
  schema->callback([] { std::cout << pc3::schema_text(); });

  auto* validate = cmd->add_subcommand(
      "validate", "Check a PC3 message against schema/pc3.xsd (libxml2) and the codec; exit 2 with the reason");
  auto* vfile = new std::string;
  validate->add_option("file", *vfile, "XML file, or - for standard input")->required();
  bool* vjson = add_json_flag(validate, {"valid", "message", "transaction_id"});
  validate->callback([vfile, vjson] {
    std::string xml = read_document(*vfile, pc3::kMaxBodySize + 1);
    if (auto st = pc3::validate_document(xml); !st.ok()) {
      Output(*vjson).flag("valid", "Valid", false).print();
      throw Exit(kExitBadInput, *vfile + ": " + st.error().to_string(), "invalid_document");
    }
    auto m = or_exit(pc3::Codec::decode(xml), *vfile);
    bool request = std::holds_alternative<pc3::ServiceAuthorisationRequest>(m);
    std::uint32_t tid = request ? std::get<pc3::ServiceAuthorisationRequest>(m).transaction_id
                                : std::get<pc3::ServiceAuthorisationResponse>(m).transaction_id;
    Output(*vjson)
        .flag("valid", "Valid", true)
        .text("message", "Message", request ? std::string(pc3::kRootRequest) : std::string(pc3::kRootResponse))
        .num("transaction_id", "Transaction ID", static_cast<std::int64_t>(tid))
        .print();
  });

  cmd->callback([cmd, config] {
    if (!cmd->get_subcommands().empty()) return;
    if (config->empty()) bad_input("--config FILE is required (see `prose prose-function example-config --dir DIR`)");
    auto cfg = or_exit(prosefn::load_config(*config), "bad configuration");
    block_stop_signals();  // before any thread starts
    log::setup("prose-function", cfg.log_level, cfg.log_format);
    std::unique_ptr<gba_naf::NafKeys> naf_keys;  // [tls] mode = "gba": outlives the server
    if (cfg.gba) {
      diameter::ClientConfig zn;
      zn.host = cfg.gba->hss_host;
      zn.port = cfg.gba->hss_port;
      zn.origin_host = cfg.gba->origin_host;
      zn.origin_realm = cfg.gba->origin_realm;
      zn.destination_realm = cfg.gba->destination_realm;
      zn.timeout = std::chrono::milliseconds(cfg.gba->timeout_ms);
      naf_keys = std::make_unique<gba_naf::NafKeys>(cfg.gba->naf_fqdn, gba_naf::zn_fetch(zn));
      naf_keys->set_relays(cfg.gba->relay_by_imsi);
      cfg.https.tls.psk_grant = naf_keys->callback([](const std::string& line) { log::warn("{}", line); });
      log::info("tls: mode=gba naf_fqdn={} (PSK-TLS, B-TID keys from the BSF over Zn at {}:{})", cfg.gba->naf_fqdn,
                zn.host, zn.port);
    }
    prosefn::ProseFunctionServer server(std::move(cfg));
    or_exit(server.start(), "cannot start the ProSe Function", kExitFailure);
    std::cout << "prose-function: listening on https port " << server.https_port() << std::endl;
    int sig = wait_for_stop_signal([&server] {
      log::info("prose-function: SIGHUP, re-reading the CRL");
      (void)server.reload_crl();  // logs what happened
    });
    log::info("prose-function: signal {}, shutting down", sig);
    server.stop();
  });
}

}  // namespace prose::cli::prose_function_command
