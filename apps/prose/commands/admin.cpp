// prose admin --config FILE ...: provisioning of the PKMF's store (UEs, relays, PRUK IDs without key bytes).
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>

#include "cli.h"
#include "prose/pc8/messages.h"
#include "prose/pkmf/config.h"
#include "prose/pkmf/mikey_delivery.h"
#include "prose/pkmf/mikey_sender.h"
#include "prose/store/store.h"
#include "prose/util/hex.h"

namespace prose::cli::admin_command {
namespace {

std::unique_ptr<store::Store> open_from(const pkmf::PkmfConfig& cfg) {
  return or_exit(store::open_store(cfg.store_url, cfg.kek), "cannot open the store", kExitFailure);
}

std::unique_ptr<store::Store> open_from(const std::string& config) {
  return open_from(or_exit(pkmf::load_config(config), "bad configuration"));
}

// Sends the all-zero PRUK ID MIKEY message ("send a Key Request", clause 6.X.3.3.2.3) to the UE's last address and
// waits for its verification message, retransmitting as the PKMF's MIKEY policy says. With `revoke_pmk` the UE's PMK
// is forgotten first (the trigger is already built with it), so its Key Request gets a new PMK and a new PRUK.
void trigger_key_request(const std::string& config, const std::string& imsi, bool revoke_pmk, bool json) {
  auto cfg = or_exit(pkmf::load_config(config), "bad configuration");
  auto s = open_from(cfg);
  const std::int64_t now = std::time(nullptr);
  const pkmf::Policy& policy = cfg.service.policy;
  auto d = pkmf::build_key_request_trigger(*s, imsi, cfg.service.fqdn, policy, now);
  if (!d.ok() && (d.error().code == Errc::kNotFound || d.error().code == Errc::kState)) bad_input(d.error().message);
  auto trigger = or_exit(std::move(d), "trigger-key-request", kExitFailure);
  const std::string csb = to_hex_u32(trigger.job.csb_id);
  const std::uint32_t trigger_csb = trigger.job.csb_id;
  if (revoke_pmk) {
    auto pmk = or_exit(s->find_pmk(imsi), "trigger-key-request", kExitFailure);
    or_exit(s->revoke_pmk(imsi, {now, "admin", "revoke", "PMK", to_hex_u64(pmk ? pmk->pmk_id : 0), imsi}),
            "revoke the PMK", kExitFailure);
  }
  or_exit(s->audit({now, "admin", "trigger-key-request", "MIKEY", csb, imsi}), "audit", kExitFailure);

  std::mutex mu;
  std::condition_variable cv;
  std::optional<bool> verified;  // false: the sender gave up
  pkmf::Metrics metrics;
  pkmf::UdpMikeySender sender(policy, metrics);
  auto& pending = *trigger.pending;
  auto finish = [&](bool v) {
    std::lock_guard<std::mutex> lock(mu);
    if (!verified) verified = v;
    cv.notify_all();
  };
  or_exit(sender.start(
              cfg.mikey_bind, 0,
              [&](ByteView m) -> Result<std::string> {
                PROSE_TRY_STATUS(pending.verify(m));
                finish(true);
                return imsi;
              },
              [&](std::uint32_t) { finish(false); }),
          "MIKEY socket", kExitFailure);
  const std::string to = trigger.job.ip + ":" + std::to_string(trigger.job.port);
  sender.send(std::move(trigger.job));
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return verified.has_value(); });
  }
  sender.stop();
  Output out(json);
  out.text("imsi", "IMSI", imsi).text("ue_address", "UE address", to);
  out.hex_id("csb_id", "CSB ID", trigger_csb, 4).flag("pmk_revoked", "PMK revoked", revoke_pmk);
  out.flag("verified_by_the_ue", "Verified by the UE", *verified);
  out.print();
  if (!*verified) {
    throw Exit(kExitFailure,
               "no verification message from UE " + imsi + " at " + to + " after " +
                   std::to_string(policy.mikey_max_attempts) + " attempts",
               "not_verified");
  }
}

bool valid_imsi(const std::string& s) {
  return s.size() >= 6 && s.size() <= 15 && s.find_first_not_of("0123456789") == std::string::npos;
}

std::vector<std::uint32_t> parse_rscs(const std::vector<std::string>& in) {
  std::vector<std::uint32_t> out;
  for (const auto& s : in) out.push_back(static_cast<std::uint32_t>(hex_uint_option("--rsc", s, 24)));
  return out;
}

std::vector<std::string> rsc_hex(const std::vector<std::uint32_t>& v) {
  std::vector<std::string> out;
  for (auto x : v) out.push_back(hex_width(x, 3));
  return out;
}

std::string rsc_list(const std::vector<std::uint32_t>& v) {
  std::string s;
  for (auto x : v) {
    char b[8];
    std::snprintf(b, sizeof b, "%06x", x);
    if (!s.empty()) s += ",";
    s += b;
  }
  return s;
}

}  // namespace

void register_admin(CLI::App& app) {
  auto* cmd = app.add_subcommand("admin", "Provision the PKMF: UEs, relays, PRUK IDs, PSDKs");
  auto* config = new std::string;
  cmd->add_option("--config", *config, "PKMF configuration file")->required();
  cmd->require_subcommand(1);
  bool* json = nullptr;

  // ue-add / ue-remove / ue-list / ue-show
  auto* imsi = new std::string;
  auto* rscs = new std::vector<std::string>;
  auto* ue_add = cmd->add_subcommand("ue-add", "Add a Remote UE or replace its Relay Service Codes");
  ue_add->add_option("--imsi", *imsi, "IMSI digits")->required();
  ue_add->add_option("--rsc", *rscs, "Relay Service Code it may use (hex, 24 bit); repeat")->required();
  json = add_json_flag(ue_add, {"imsi", "relay_service_codes"});
  ue_add->callback([=] {
    if (!valid_imsi(*imsi)) bad_input("--imsi: expected 6 to 15 digits");
    auto codes = parse_rscs(*rscs);
    auto s = open_from(*config);
    or_exit(s->upsert_ue(*imsi, codes, std::time(nullptr)), "ue-add", kExitFailure);
    if (*json)
      Output(true)
          .text("imsi", "IMSI", *imsi)
          .list("relay_service_codes", "Relay Service Codes", rsc_hex(codes))
          .print();
    else
      std::cout << "UE " << *imsi << " may use " << rsc_list(codes) << "\n";
  });
  auto* ue_rm = cmd->add_subcommand("ue-remove", "Remove a Remote UE and its PRUKs");
  ue_rm->add_option("--imsi", *imsi, "IMSI digits")->required();
  add_json_flag(ue_rm, {"imsi", "removed"});
  ue_rm->callback([=] {
    auto s = open_from(*config);
    or_exit(s->remove_ue(*imsi), "ue-remove");
    if (*json)
      Output(true).text("imsi", "IMSI", *imsi).flag("removed", "Removed", true).print();
    else
      std::cout << "UE " << *imsi << " removed\n";
  });
  auto* ue_list = cmd->add_subcommand("ue-list", "List Remote UEs");
  auto* limit = new std::size_t(100);
  auto* offset = new std::size_t(0);
  ue_list->add_option("--limit", *limit, "At most this many");
  ue_list->add_option("--offset", *offset, "Skip this many");
  add_json_flag(ue_list, {"ues", "total"});
  ue_list->callback([=] {
    auto s = open_from(*config);
    auto ues = or_exit(s->list_ues(*limit, *offset), "ue-list", kExitFailure);
    nlohmann::ordered_json arr = nlohmann::ordered_json::array();
    for (const auto& u : ues) {
      if (*json) {
        arr.push_back({{"imsi", u.imsi},
                       {"relay_service_codes", rsc_hex(u.relay_service_codes)},
                       {"ip_address", u.ip_address ? nlohmann::ordered_json(*u.ip_address) : nullptr},
                       {"pruk_delivery", u.pruk_delivery}});
      } else {
        std::cout << u.imsi << " rsc=" << rsc_list(u.relay_service_codes) << " ip=" << u.ip_address.value_or("-")
                  << " delivery=" << (u.pruk_delivery ? "on" : "off") << "\n";
      }
    }
    const auto total = static_cast<std::int64_t>(or_exit(s->count_ues(), "count", kExitFailure));
    if (*json)
      Output(true).raw("ues", arr).num("total", "Total", total).print();
    else
      std::cout << "total: " << total << "\n";
  });
  auto* ue_show = cmd->add_subcommand("ue-show", "Show a Remote UE and its PRUK IDs (never key bytes)");
  ue_show->add_option("--imsi", *imsi, "IMSI digits")->required();
  add_json_flag(ue_show, {"imsi", "relay_service_codes", "ip_address", "pruk_delivery", "pruk_ids"});
  ue_show->callback([=] {
    auto s = open_from(*config);
    auto ue = or_exit(s->find_ue(*imsi), "ue-show", kExitFailure);
    if (!ue) bad_input("--imsi: no UE " + *imsi);
    auto ids = or_exit(s->pruk_ids(*imsi), "ue-show", kExitFailure);
    Output out(*json);
    out.text("imsi", "IMSI", ue->imsi)
        .list("relay_service_codes", "Relay Service Codes", rsc_hex(ue->relay_service_codes));
    if (ue->ip_address)
      out.text("ip_address", "IP address", *ue->ip_address);
    else
      out.line("IP address", "-");
    out.flag("pruk_delivery", "PRUK delivery", ue->pruk_delivery);
    std::vector<std::string> idlist;
    for (auto id : ids) idlist.push_back(hex_width(id, 8));
    out.list("pruk_ids", "PRUK IDs", idlist);
    out.print();
  });
  auto* trigger = cmd->add_subcommand("trigger-key-request",
                                      "Ask a Remote UE to send a Key Request: MIKEY with the all-zero PRUK ID to its "
                                      "last address, retransmitted until the UE verifies it");
  trigger->add_option("--imsi", *imsi, "IMSI digits")->required();
  auto* revoke = new bool(false);
  trigger->add_flag("--revoke-pmk", *revoke,
                    "Forget the UE's PMK first (e.g. after a compromise): its Key Request gets a new PMK and PRUK");
  add_json_flag(trigger, {"imsi", "ue_address", "csb_id", "pmk_revoked", "verified_by_the_ue"});
  trigger->callback([=] { trigger_key_request(*config, *imsi, *revoke, *json); });
  auto* relay_id = new std::string;
  auto* relay_add = cmd->add_subcommand("relay-add", "Add a relay or replace the Relay Service Codes it serves");
  relay_add->add_option("--id", *relay_id, "Relay identity (as in its certificate, without 'relay-')")->required();
  relay_add->add_option("--rsc", *rscs, "Relay Service Code it may serve (hex, 24 bit); repeat")->required();
  add_json_flag(relay_add, {"relay_id", "relay_service_codes"});
  relay_add->callback([=] {
    auto codes = parse_rscs(*rscs);
    auto s = open_from(*config);
    or_exit(s->upsert_relay(*relay_id, codes), "relay-add", kExitFailure);
    if (*json)
      Output(true)
          .text("relay_id", "Relay", *relay_id)
          .list("relay_service_codes", "Relay Service Codes", rsc_hex(codes))
          .print();
    else
      std::cout << "relay " << *relay_id << " serves " << rsc_list(codes) << "\n";
  });
  auto* relay_rm = cmd->add_subcommand("relay-remove", "Remove a relay");
  relay_rm->add_option("--id", *relay_id, "Relay identity")->required();
  add_json_flag(relay_rm, {"relay_id", "removed"});
  relay_rm->callback([=] {
    auto s = open_from(*config);
    or_exit(s->remove_relay(*relay_id), "relay-remove");
    if (*json)
      Output(true).text("relay_id", "Relay", *relay_id).flag("removed", "Removed", true).print();
    else
      std::cout << "relay " << *relay_id << " removed\n";
  });
  auto* relay_list = cmd->add_subcommand("relay-list", "List relays");
  add_json_flag(relay_list, {"relays"});
  relay_list->callback([=] {
    auto s = open_from(*config);
    nlohmann::ordered_json arr = nlohmann::ordered_json::array();
    for (const auto& r : or_exit(s->list_relays(), "relay-list", kExitFailure)) {
      if (*json)
        arr.push_back({{"relay_id", r.relay_id}, {"relay_service_codes", rsc_hex(r.relay_service_codes)}});
      else
        std::cout << r.relay_id << " rsc=" << rsc_list(r.relay_service_codes) << "\n";
    }
    if (*json) Output(true).raw("relays", arr).print();
  });
  // psdk-list / psdk-purge: discovery keys per Relay Service Code (IDs and times, never key bytes).
  auto* psdk_list = cmd->add_subcommand("psdk-list", "List stored PSDKs per Relay Service Code (never key bytes)");
  add_json_flag(psdk_list, {"psdks", "total"});
  psdk_list->callback([=] {
    auto s = open_from(*config);
    auto all = or_exit(s->list_psdks(), "psdk-list", kExitFailure);
    const std::int64_t now = std::time(nullptr);
    nlohmann::ordered_json arr = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < all.size(); ++i) {
      const auto& p = all[i];
      bool current = i + 1 == all.size() || all[i + 1].rsc != p.rsc;  // sorted by rsc, then generation
      std::string state = now >= p.expires_at ? "expired" : current ? "current" : "previous";
      std::string rsc = rsc_list({p.rsc});
      std::string id = pc8::PsdkId{p.psdk_id}.hex();
      std::string created = pc8::format_utc(pc8::UtcTime(std::chrono::seconds(p.created_at)));
      std::string expires = pc8::format_utc(pc8::UtcTime(std::chrono::seconds(p.expires_at)));
      if (*json) {
        arr.push_back({{"relay_service_code", rsc},
                       {"generation", p.generation},
                       {"psdk_id", id},
                       {"created", created},
                       {"expires", expires},
                       {"state", state}});
      } else {
        std::cout << "rsc=" << rsc << " generation=" << p.generation << " psdk_id=" << id << " created=" << created
                  << " expires=" << expires << " " << state << "\n";
      }
    }
    if (*json)
      Output(true).raw("psdks", arr).num("total", "Total", static_cast<std::int64_t>(all.size())).print();
    else
      std::cout << "total: " << all.size() << "\n";
  });
  auto* psdk_purge = cmd->add_subcommand("psdk-purge",
                                         "Delete expired PSDKs that are no longer current (audited; the PKMF also "
                                         "does this when it makes the next PSDK of a code)");
  add_json_flag(psdk_purge, {"deleted"});
  psdk_purge->callback([=] {
    auto s = open_from(*config);
    auto n = or_exit(s->delete_expired_psdks(std::time(nullptr)), "psdk-purge", kExitFailure);
    Output out(*json);
    out.num("deleted", "Deleted", static_cast<std::int64_t>(n));
    out.print();
  });
  auto* check = cmd->add_subcommand("check",
                                    "Check the store: the database's consistency check, no row without its UE or "
                                    "relay, every stored key opens under the KEK (never shown); rows per table and "
                                    "a digest of the content. Exit 1 when a problem is found");
  add_json_flag(check, {"backend", "rows", "digest", "problems"});
  check->callback([=] {
    auto s = open_from(*config);
    auto c = or_exit(s->check(), "check", kExitFailure);
    Output out(*json);
    out.text("backend", "Backend", s->backend_name());
    nlohmann::ordered_json rows = nlohmann::ordered_json::object();
    for (const auto& [table, n] : c.rows) {
      out.line("Rows " + table, std::to_string(n));
      rows[snake_case_key(table)] = n;
    }
    out.raw("rows", rows);
    out.text("digest", "Digest", c.digest);
    out.line("Problems", std::to_string(c.problems.size()));
    out.raw("problems", c.problems);
    out.print();
    if (!*json)
      for (const auto& p : c.problems) std::cout << "problem: " << p << "\n";
    if (!c.ok())
      throw Exit(kExitFailure, "the store check found " + std::to_string(c.problems.size()) + " problems",
                 "store_check_failed");
  });
  auto* import = cmd->add_subcommand("import", "Bulk-import UEs from CSV lines \"imsi,rsc[;rsc...]\"");
  auto* csv = new std::string;
  import->add_option("--csv", *csv, "CSV file")->required();
  add_json_flag(import, {"imported"});
  import->callback([=] {
    std::ifstream in(*csv);
  if (!in) bad_input("--csv: cannot open " + *csv);
  std::vector<std::pair<std::string, std::vector<std::uint32_t>>> rows;
  std::string line;
  std::size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line[0] == '#' || line.rfind("imsi", 0) == 0) continue;
    auto comma = line.find(',');
    if (comma == std::string::npos) bad_input(*csv + ":" + std::to_string(lineno) + ": expected imsi,rsc");
    std::string i = line.substr(0, comma);
    if (!valid_imsi(i)) bad_input(*csv + ":" + std::to_string(lineno) + ": bad IMSI '" + i + "'");
    std::vector<std::uint32_t> codes;
    std::stringstream ss(line.substr(comma + 1));
    std::string tok;
    while (std::getline(ss, tok, ';')) {
      while (!tok.empty() && (tok.back() == '\r' || tok.back() == ' ')) tok.pop_back();
      codes.push_back(
          static_cast<std::uint32_t>(hex_uint_option(*csv + ":" + std::to_string(lineno) + ": rsc", tok, 24)));
    }
    rows.emplace_back(std::move(i), std::move(codes));
  }
  auto s = open_from(*config);
  const std::size_t total = rows.size();
  auto progress = [total](std::size_t n) {
    int width = 40;
    int filled = total ? static_cast<int>(width * n / total) : width;
    std::cerr << "\r[" << std::string(static_cast<std::size_t>(filled), '#')
              << std::string(static_cast<std::size_t>(width - filled), ' ') << "] " << n << "/" << total << std::flush;
  };
  or_exit(s->bulk_upsert_ues(rows, std::time(nullptr), progress), "import", kExitFailure);
  std::cerr << "\n";
  if (*json)
    Output(true).num("imported", "Imported", static_cast<std::int64_t>(total)).print();
  else
    std::cout << "imported " << total << " UEs\n";
});
}  // namespace prose::cli::admin_command

}  // namespace prose::cli::admin_command
