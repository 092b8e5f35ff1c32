// `prose discovery protect | open | decode | constants`: protected UE-to-Network Relay discovery messages
// (TS 33.303 6.1.3.4.3 / Annex A.2, A.5, A.6, A.8; TS 24.334 PC5_DISCOVERY layout) for test engineers.
// See docs/discovery.md.
#include <chrono>
#include <memory>
#include <sstream>
#include <string>

#include "cli.h"
#include "prose/discovery/constants.h"
#include "prose/discovery/messages.h"
#include "prose/discovery/protection.h"
#include "prose/util/hex.h"

namespace prose::cli::discovery_command {
namespace {

namespace d = prose::discovery;

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Options shared by protect and open: the PSDK, which derived keys are in use, the mask and the EEA.
struct KeyOpts {
  std::string psdk, keys = "duik,dusk,duck", mask, eea;
};

void add_key_options(CLI::App* sub, KeyOpts& o) {
  sub->add_option("--psdk", o.psdk, "PSDK in hex (DUIK, DUSK, DUCK are derived from it, A.8)")->required();
  sub->add_option("--keys", o.keys,
                  "Key combination (PKMF configuration): comma list of duik (required), dusk, duck; default all");
  sub->add_option("--mask", o.mask, "Encrypted_bits_mask in hex over octets 1.. of the message (<= 23 octets)");
  sub->add_option("--eea", o.eea, "Confidentiality algorithm 1, 2 or 3 (default 2, provisional)");
}

d::DiscoveryKeys parse_keys(const KeyOpts& o) {
  SecretBytes psdk = secret_option("--psdk", o.psdk);
  if (psdk.empty()) bad_input("--psdk: must not be empty");
  d::DiscoveryKeys k = or_exit(d::derive_discovery_keys(psdk.view()), "--psdk");
  bool duik = false, dusk = false, duck = false;
  std::stringstream ss(o.keys);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item == "duik") {
      duik = true;
    } else if (item == "dusk") {
      dusk = true;
    } else if (item == "duck") {
      duck = true;
    } else {
      bad_input("--keys: unknown key '" + item + "' (duik, dusk, duck)");
    }
  }
  if (!duik) bad_input("--keys: duik is required (relay discovery messages always carry a MIC)");
  if (!dusk) k.dusk = SecretBytes();
  if (!duck) k.duck = SecretBytes();
  if (!o.mask.empty()) {
    k.encrypted_bits_mask = hex_option("--mask", o.mask);
    if (k.encrypted_bits_mask.size() > d::constants::kConfidentialSize) {
      bad_input("--mask: at most " + std::to_string(d::constants::kConfidentialSize) + " octets");
    }
  }
  if (!o.eea.empty()) k.eea = static_cast<cipher::Eea>(int_option("--eea", o.eea, 1, 3));
  return k;
}

struct ProtectOpts {
  KeyOpts keys;
  std::string type, rsc, info, l2, status, counter, time;
  bool* json = nullptr;
};

void add_protect(CLI::App* grp) {
  auto o = std::make_shared<ProtectOpts>();
  auto* sub = grp->add_subcommand("protect",
                                  "Build a protected relay discovery message (MIC, confidentiality, "
                                  "scrambling) -> 29-octet PDU in hex");
  sub->add_option("--type", o->type, "announcement | solicitation | response")->required();
  sub->add_option("--rsc", o->rsc, "Relay Service Code, 24-bit hex")->required();
  sub->add_option("--user-info", o->info, "Announcer / Discoverer / Discoveree Info, 48-bit hex")->required();
  sub->add_option("--l2-id", o->l2, "ProSe (Relay) UE ID, 24-bit hex (solicitation: 0 = absent; default 0)");
  sub->add_option("--status", o->status, "Status Indicator, 8-bit hex (announcement / response; default 0)");
  sub->add_option("--counter", o->counter, "UTC-based counter, 32-bit hex");
  sub->add_option("--time", o->time, "Unix time in seconds to take the counter from (default: now)");
  add_key_options(sub, o->keys);
  o->json = add_json_flag(sub, {"pdu", "type", "utc_based_counter"});
  sub->callback([o] {
    d::DiscoveryMessage m;
    m.type = or_exit(d::type_from_name(o->type), "--type");
    m.relay_service_code = static_cast<std::uint32_t>(hex_uint_option("--rsc", o->rsc, 24));
    m.user_info_id = hex_uint_option("--user-info", o->info, 48);
    if (!o->l2.empty()) m.l2_id = static_cast<std::uint32_t>(hex_uint_option("--l2-id", o->l2, 24));
    if (!o->status.empty()) m.status = static_cast<std::uint8_t>(hex_uint_option("--status", o->status, 8));
    if (m.type == d::MessageType::kSolicitation && m.status != 0) bad_input("--status: a solicitation has none");
    if (!o->counter.empty() && !o->time.empty()) bad_input("give either --counter or --time, not both");
    std::uint32_t counter = 0;
    if (!o->counter.empty()) {
      counter = static_cast<std::uint32_t>(hex_uint_option("--counter", o->counter, 32));
    } else {
      counter = d::utc_counter(o->time.empty() ? now_seconds() : int_option("--time", o->time, 0, INT64_MAX));
    }
    d::DiscoveryKeys k = parse_keys(o->keys);
    Bytes pdu = or_exit(d::protect(m, k, counter), "protect");
    if (*o->json) {
      Output out(true);
      out.hex("pdu", "PDU", pdu);
      out.text("type", "Type", std::string(d::type_short_name(m.type)));
      out.hex_id("utc_based_counter", "UTC-based counter", counter, 4);
      out.print();
    } else {
      Output(false).value("pdu", to_hex(pdu));
    }
  });
}

struct OpenOpts {
  KeyOpts keys;
  std::string hex, file, counter, time, max_offset;
  bool* json = nullptr;
};

void add_open(CLI::App* grp) {
  auto o = std::make_shared<OpenOpts>();
  auto* sub = grp->add_subcommand("open",
                                  "Unscramble, decipher and verify a protected relay discovery message "
                                  "(exit 2 when it does not verify or is outside the window)");
  sub->add_option("HEX", o->hex, "The 29-octet PDU in hex");
  sub->add_option("--in", o->file, "Read the PDU from FILE (hex text or binary) instead");
  sub->add_option("--counter", o->counter, "The full UTC-based counter, 32-bit hex (no window check)");
  sub->add_option("--time", o->time,
                  "Receiver's Unix time in seconds (default: now); the counter is rebuilt from "
                  "the PDU's LSB and checked against the window");
  sub->add_option("--max-offset", o->max_offset, "Window in seconds for --time, 0..127 (default 32)");
  add_key_options(sub, o->keys);
  o->json = add_json_flag(sub, {"fields", "utc_based_counter", "clock_offset", "mic_verified"});
  sub->callback([o] {
    Bytes pdu = read_input("HEX", o->hex, o->file);
    if (pdu.size() != d::constants::kMessageSize) {
      bad_input("HEX: a PC5_DISCOVERY message is " + std::to_string(d::constants::kMessageSize) + " octets, got " +
                std::to_string(pdu.size()));
    }
    if (!o->counter.empty() && !o->time.empty()) bad_input("give either --counter or --time, not both");
    d::DiscoveryKeys k = parse_keys(o->keys);
    std::uint32_t counter = 0;
    std::int64_t offset = 0;
    const std::uint8_t lsb = pdu[d::constants::kOffCounterLsb];
    if (!o->counter.empty()) {
      counter = static_cast<std::uint32_t>(hex_uint_option("--counter", o->counter, 32));
      if (static_cast<std::uint8_t>(counter) != lsb) bad_input("--counter: its 8 LSBs differ from the PDU's LSB");
    } else {
      const std::int64_t now = o->time.empty() ? now_seconds() : int_option("--time", o->time, 0, INT64_MAX);
      const auto max = o->max_offset.empty()
                           ? d::constants::kDefaultMaxOffset
                           : static_cast<std::uint32_t>(
                                 int_option("--max-offset", o->max_offset, 0, d::constants::kMaxResolvableOffset));
      const std::uint32_t now_c = d::utc_counter(now);
      counter = d::reconstruct_counter(lsb, now_c);
      offset = d::counter_offset(counter, now_c);
      if (offset > static_cast<std::int64_t>(max) || offset < -static_cast<std::int64_t>(max)) {
        bad_input("open: UTC-based counter " + std::to_string(offset) + " s from the clock (window +-" +
                  std::to_string(max) + ")");
      }
    }
    d::DecodedPdu r = or_exit(d::open(pdu, k, counter), "open");
    Output out(*o->json);
    nlohmann::ordered_json fields = nlohmann::ordered_json::object();
    for (const auto& [name, value] : d::describe(r)) {
      out.line(name, value);
      fields[snake_case_key(name)] = value;
    }
    out.raw("fields", fields);
    out.hex_id("utc_based_counter", "UTC-based counter", counter, 4);
    if (o->counter.empty()) out.num("clock_offset", "Clock offset", offset);
    out.flag("mic_verified", "MIC verified", true);
    out.print();
  });
}

struct DecodeOpts {
  std::string hex, file;
  bool* json = nullptr;
};

void add_decode(CLI::App* grp) {
  auto o = std::make_shared<DecodeOpts>();
  auto* sub = grp->add_subcommand("decode", "Decode an unprotected (or already opened) PC5_DISCOVERY relay message");
  sub->add_option("HEX", o->hex, "The 29-octet message in hex");
  sub->add_option("--in", o->file, "Read the message from FILE (hex text or binary) instead");
  o->json = add_json_flag(sub, {"fields"});
  sub->callback([o] {
    Bytes wire = read_input("HEX", o->hex, o->file);
    d::DecodedPdu r = or_exit(d::decode_pdu(wire), "decode");
    Output out(*o->json);
    nlohmann::ordered_json fields = nlohmann::ordered_json::object();
    for (const auto& [name, value] : d::describe(r)) {
      out.line(name, value);
      fields[snake_case_key(name)] = value;
    }
    out.raw("fields", fields);
    out.print();
  });
}

void add_constants(CLI::App* grp) {
  auto* sub = grp->add_subcommand("constants", "The discovery constants table: value, source, verified/provisional");
  bool* json = add_json_flag(sub, {"constants"});
  sub->callback([json] {
    if (*json) {
      nlohmann::ordered_json rows = nlohmann::ordered_json::array();
      for (const auto& r : d::constants::kTable) {
        rows.push_back({{"constant", r.name}, {"value", r.value}, {"source", r.source}, {"status", r.status}});
      }
      Output out(true);
      out.raw("constants", rows);
      out.print();
      return;
    }
    Output out(false);
    for (const auto& r : d::constants::kTable) {
      out.line(std::string(r.name),
               std::string(r.value) + " | " + std::string(r.source) + " | " + std::string(r.status));
    }
    out.print();
  });
}

}  // namespace

void register_discovery(CLI::App& app) {
  CLI::App* grp = subcommand_group(
      app, "discovery", "Protected UE-to-Network Relay discovery messages (TS 33.303 6.1.3.4.3, A.2/A.5/A.6)");
  add_protect(grp);
  add_open(grp);
  add_decode(grp);
  add_constants(grp);
}

}  // namespace prose::cli::discovery_command
