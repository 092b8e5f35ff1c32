// prose hss: the HSS/BSF emulator (Diameter Zh-style MAR/MAA, Zpn GPR/GPA and Zn BIR/BIA on TCP; Ub over HTTP).
//   prose hss --config FILE                      run the server until SIGINT/SIGTERM
//   prose hss add-subscriber --config FILE --imsi DIGITS --k HEX --opc HEX [--sqn HEX] [--amf HEX] [--replace]
//   prose hss example-config --dir DIR [--port N] write a loopback configuration, print its path
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli.h"
#include "prose/hss/config.h"
#include "prose/hss/server.h"
#include "prose/hss/service.h"
#include "prose/hss/store.h"
#include "prose/hss/ub_service.h"
#include "prose/net/plain_server.h"
#include "prose/util/hex.h"
#include "prose/util/log.h"

namespace prose::cli::hss_command {

namespace {

// One log line on stderr in the configured format ([server] log_format).
void log_line(const std::string& line) { log::info("{}", line); }

hss::HssConfig load_or_exit(const std::string& path) {
  if (path.empty()) bad_input("--config: missing (give the configuration file)");
  return or_exit(hss::load_config(path), "");
}

void run_server(const std::string& config_path, bool json) {
  hss::HssConfig cfg = load_or_exit(config_path);
  log::setup("hss", "info", cfg.log_format);
  auto store = or_exit(hss::SubscriberStore::open(cfg.database_path, cfg.sqn), "database", kExitFailure);
  auto count = or_exit(store->count(), "database", kExitFailure);
  hss::HssService service(cfg, *store);
  // GBA bootstrapping: Ub over loopback HTTP, Zn BIR/BIA on the Diameter port, one table of sessions.
  gba::BootstrapSessions sessions;
  std::unique_ptr<hss::UbService> ub;
  std::unique_ptr<net::LoopbackHttpServer> ub_http;
  std::string ub_where;
  if (!cfg.ub_listen.empty()) {
    service.attach_bootstrap_sessions(&sessions);
    ub = std::make_unique<hss::UbService>(hss::UbConfig{cfg.bsf_host, cfg.bootstrap_lifetime}, *store, sessions);
    auto ep = or_exit(net::parse_loopback_endpoint(cfg.ub_listen), "bsf.ub_listen");
    net::LoopbackHttpServerConfig hc;
    hc.bind_address = ep.address;
    hc.port = ep.port;
    hc.server_header = "prose-bsf";
    ub_http = std::make_unique<net::LoopbackHttpServer>(hc, [u = ub.get()](const net::HttpRequest& req) {
      std::string line;
      net::HttpResponse r = u->handle(req, static_cast<std::int64_t>(std::time(nullptr)), line);
      log_line(line);
      return r;
    });
    auto port = or_exit(ub_http->start(), "Ub listen", kExitFailure);
    ub_where = "http://" + (ep.address.find(':') != std::string::npos ? "[" + ep.address + "]" : ep.address) + ":" +
               std::to_string(port) + "/";
    log_line("Ub (GBA bootstrapping, HTTP Digest AKA) on " + ub_where + ", Zn " + std::to_string(diameter::app::kZn) +
             " on the Diameter port, B-TID host " + cfg.bsf_host);
  }
  auto server = or_exit(hss::DiameterServer::create(service, cfg.listen_address, cfg.listen_port, log_line), "listen",
                        kExitFailure);
  server->stop_on_signals();
  const std::string where = cfg.listen_address + ":" + std::to_string(server->port());
  log_line("listening on " + where + " (Diameter/TCP; Zh " + std::to_string(diameter::app::kZh) + ", Zpn " +
           std::to_string(diameter::app::kZpn) + "), " + std::to_string(count) + " subscribers, database " +
           cfg.database_path);
  Output out(json);
  out.text("listening", "Listening", where);
  out.num("subscribers", "Subscribers", static_cast<std::int64_t>(count));
  if (!ub_where.empty()) out.text("ub", "Ub", ub_where);
  out.print();
  std::cout.flush();
  server->run();
  if (ub_http) ub_http->stop();
  log_line("stopped");
}

}  // namespace

void register_hss(CLI::App& app) {
  CLI::App* hss = app.add_subcommand("hss",
                                     "HSS/BSF emulator: serves authentication vectors (MAR/MAA), GBA Push Info "
                                     "(GPR/GPA) and GBA bootstrapping (Ub over HTTP, Zn BIR/BIA) over Diameter");
  hss->require_subcommand(0, 1);
  auto* config = new std::string;
  hss->add_option("--config", *config, "Configuration file (TOML); see `prose hss example-config`");
  bool* json = add_json_lines_flag(hss, {"listening", "subscribers", "ub"});

  CLI::App* add = hss->add_subcommand("add-subscriber", "Provision a subscriber (IMSI, K, OPc, SQN, AMF)");
  struct AddArgs {
    std::string config, imsi, k, opc, sqn = "0", amf = "0000";
    bool replace = false;
  };
  auto* a = new AddArgs;
  add->add_option("--config", a->config, "Configuration file (TOML)");
  add->add_option("--imsi", a->imsi, "IMSI, 6 to 15 digits")->required();
  add->add_option("--k", a->k, "Subscriber key K, 32 hex digits")->required();
  add->add_option("--opc", a->opc, "OPc, 32 hex digits")->required();
  add->add_option("--sqn", a->sqn, "Start SQN (48-bit hex, SEQ||IND); the first vector uses the next one")
      ->capture_default_str();
  add->add_option("--amf", a->amf, "AMF, 4 hex digits")->capture_default_str();
  add->add_flag("--replace", a->replace, "Overwrite an existing subscriber");
  bool* add_json = add_json_flag(add, {"imsi", "sqn", "amf", "database"});
  add->callback([a, add_json, config] {
    const std::string path = !a->config.empty() ? a->config : *config;
    hss::HssConfig cfg = load_or_exit(path);
    if (!hss::validate_imsi(a->imsi).ok()) bad_input("--imsi: must be 6 to 15 decimal digits");
    SecretBytes k = secret_option("--k", a->k, 16);
    SecretBytes opc = secret_option("--opc", a->opc, 16);
    const std::uint64_t sqn = hex_uint_option("--sqn", a->sqn, 48);
    Bytes amf = hex_option("--amf", a->amf, 2);
    auto store = or_exit(hss::SubscriberStore::open(cfg.database_path, cfg.sqn), "database", kExitFailure);
    or_exit(store->add_subscriber(a->imsi, k.view(), opc.view(), sqn, amf, a->replace), "add-subscriber");
    Output out(*add_json);
    out.text("imsi", "IMSI", a->imsi);
    out.hex("sqn", "SQN", crypto::sqn_to_bytes(sqn));
    out.hex("amf", "AMF", amf);
    out.text("database", "Database", cfg.database_path);
    out.print();
  });

  CLI::App* ex = hss->add_subcommand("example-config", "Write a working loopback configuration into DIR");
  auto* dir = new std::string;
  auto* port = new std::string("3868");
  ex->add_option("--dir", *dir, "Directory to create the configuration in")->required();
  ex->add_option("--port", *port, "TCP port to listen on")->capture_default_str();
  bool* ex_json = add_json_flag(ex, {"config"});
  ex->callback([dir, port, ex_json] {
    const auto p = static_cast<std::uint16_t>(int_option("--port", *port, 0, 65535));
    std::error_code ec;
    std::filesystem::create_directories(*dir, ec);
    if (ec) bad_input("--dir: cannot create " + *dir + ": " + ec.message());
    const std::string file = (std::filesystem::path(*dir) / "hss.toml").string();
    std::ofstream f(file);
    if (!f) bad_input("--dir: cannot write " + file);
    f << hss::example_config(p);
    f.close();
    Output out(*ex_json);
    out.text("config", "Config", std::filesystem::absolute(file).string());
    out.print();
  });

  hss->callback([add, ex, config, json] {
    if (add->parsed() || ex->parsed()) return;
    run_server(*config, *json);
  });
}

}  // namespace prose::cli::hss_command
