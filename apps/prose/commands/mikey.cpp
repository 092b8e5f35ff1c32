// `prose mikey pruk-message | open | decode`: ProSe PRUK delivery in MIKEY pre-shared-key mode
// (RFC 3830 / RFC 6043, docs/profile.md section 4) and a MIKEY protocol analyser.
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "cli.h"
#include "prose/mikey/delivery.h"
#include "prose/mikey/payloads.h"
#include "prose/util/hex.h"

namespace prose::cli::mikey_command {
namespace {

using namespace prose::mikey;
using ojson = nlohmann::ordered_json;

std::string iso_utc(NtpTime t) {
  std::time_t s = static_cast<std::time_t>(unix_from_ntp(t));
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

NtpTime now_option(const std::string& v) {
  if (v.empty()) return ntp_now();
  return ntp_from_unix(int_option("--now", v, 0, 4102444800LL));  // up to 2100
}

std::string named(std::uint8_t v, std::string_view name) { return std::to_string(v) + " (" + std::string(name) + ")"; }

// ---- pruk-message ---------------------------------------------------------------------------------------------

struct MessageOpts {
  std::string pmk, pmk_id, key_type_id, pruk_id, pruk, fqdn, ue_id, lifetime, out, now, csb_id, rand, prf, mac, ids;
  bool verify = false;
  bool* json = nullptr;
};

Profile profile_options(const std::string& prf, const std::string& mac, const std::string& ids) {
  Profile p;
  if (prf == "hmac-sha-256" || prf.empty())
    p.prf_func = static_cast<std::uint8_t>(PrfFunc::kHmacSha256);
  else if (prf == "mikey-1")
    p.prf_func = static_cast<std::uint8_t>(PrfFunc::kMikey1);
  else
    bad_input("--prf: expected hmac-sha-256 or mikey-1");
  if (mac == "hmac-sha-256" || mac.empty())
    p.mac_alg = static_cast<std::uint8_t>(MacAlg::kHmacSha256_256);
  else if (mac == "hmac-sha-1")
    p.mac_alg = static_cast<std::uint8_t>(MacAlg::kHmacSha1_160);
  else
    bad_input("--mac: expected hmac-sha-256 or hmac-sha-1");
  if (ids == "id" || ids.empty())
    p.use_idr = false;
  else if (ids == "idr")
    p.use_idr = true;
  else
    bad_input("--id-payload: expected id or idr");
  return p;
}

void add_pruk_message(CLI::App* group) {
  auto o = std::make_shared<MessageOpts>();
  auto* sub = group->add_subcommand("pruk-message", "PKMF: build a MIKEY PSK I_MESSAGE delivering a PRUK -> hex");
  sub->add_option("--pmk", o->pmk, "PMK (the pre-shared key), hex")->required();
  sub->add_option("--pmk-id", o->pmk_id, "PMK ID from the Key Response, hex")->required();
  sub->add_option("--key-type-id", o->key_type_id, "Key Type ID from the Key Response, 32 bits: 8 hex digits")
      ->required();
  sub->add_option("--pruk-id", o->pruk_id, "PRUK ID, 64-bit hex (0 = tell the UE to send a Key Request)")->required();
  sub->add_option("--pruk", o->pruk, "PRUK, 32 octets hex")->required();
  sub->add_option("--pkmf-fqdn", o->fqdn, "PKMF FQDN (IDi realm)")->required();
  sub->add_option("--ue-id", o->ue_id, "UE NAI (IDr)")->required();
  sub->add_flag("--verify", o->verify, "Set the V flag: ask the UE for a verification message");
  sub->add_option("--lifetime", o->lifetime, "PRUK lifetime in seconds (adds a key validity interval)");
  sub->add_option("--out", o->out, "Also write the message (binary) to FILE");
  sub->add_option("--now", o->now, "Timestamp to use, Unix seconds (default: the clock)");
  sub->add_option("--csb-id", o->csb_id, "CSB ID, 32-bit hex (default: random)");
  sub->add_option("--rand", o->rand, "RAND, 16..255 octets hex (default: 16 random octets)");
  sub->add_option("--prf", o->prf, "hmac-sha-256 (default, RFC 6043) | mikey-1 (RFC 3830)");
  sub->add_option("--mac", o->mac, "hmac-sha-256 (default, HMAC-SHA-256-256) | hmac-sha-1 (HMAC-SHA-1-160)");
  sub->add_option("--id-payload", o->ids, "id (default, RFC 3830 ID payloads) | idr (RFC 6043 IDR payloads)");
  o->json = add_json_flag(sub, {"message", "csb_id", "idi", "idr", "rand", "t", "v"});
  sub->callback([o] {
    DeliveryParams p;
    p.pmk = secret_option("--pmk", o->pmk);
    if (p.pmk.empty()) bad_input("--pmk: empty");
    p.pmk_id = hex_option("--pmk-id", o->pmk_id);
    p.key_type_id = hex_option("--key-type-id", o->key_type_id, kKeyTypeIdLen);
    p.key_id = hex_uint_option("--pruk-id", o->pruk_id, 64);
    p.key = secret_option("--pruk", o->pruk, kPrukLen);
    p.pkmf_fqdn = o->fqdn;
    p.ue_id = o->ue_id;
    p.verify = o->verify;
    if (!o->lifetime.empty())
      p.lifetime = static_cast<std::uint32_t>(int_option("--lifetime", o->lifetime, 1, 0xffffffffLL));
    if (!o->csb_id.empty()) p.csb_id = static_cast<std::uint32_t>(hex_uint_option("--csb-id", o->csb_id, 32));
    if (!o->rand.empty()) p.rand = hex_option("--rand", o->rand);
    Profile prof = profile_options(o->prf, o->mac, o->ids);
    BuiltDelivery b = or_exit(build_delivery(p, prof, now_option(o->now)), "pruk-message");
    if (!o->out.empty()) {
      std::ofstream f(o->out, std::ios::binary | std::ios::trunc);
      f.write(reinterpret_cast<const char*>(b.message.data()), static_cast<std::streamsize>(b.message.size()));
      if (!f) throw Exit(kExitFailure, "--out: cannot write " + o->out);
    }
    if (*o->json) {
      Output out(true);
      out.hex("message", "Message", b.message).hex_id("csb_id", "CSB ID", b.csb_id, 4).text("idi", "IDi", b.idi);
      out.text("idr", "IDr", b.idr).hex("rand", "RAND", b.rand).text("t", "T", iso_utc(b.t)).flag("v", "V", p.verify);
      out.print();
    } else {
      Output(false).value("message", to_hex(b.message));
    }
  });
}

// ---- open -----------------------------------------------------------------------------------------------------

struct OpenOpts {
  std::string pmk, pmk_id, key_type_id, pgk_key_type_id, in, hex, now, window, replay_file;
  bool show_key = false;
  bool accept_rfc3830_defaults = false;
  bool* json = nullptr;
};

void add_open(CLI::App* group) {
  auto o = std::make_shared<OpenOpts>();
  auto* sub = group->add_subcommand("open", "UE: verify and decrypt a PRUK/PGK delivery (exit 2 with the reason)");
  sub->add_option("--pmk", o->pmk, "PMK, hex")->required();
  sub->add_option("--pmk-id", o->pmk_id, "PMK ID, hex")->required();
  sub->add_option("--key-type-id", o->key_type_id, "Key Type ID stored for PRUKs, 32 bits: 8 hex digits")->required();
  sub->add_option("--pgk-key-type-id", o->pgk_key_type_id, "Key Type ID stored for PGKs, 32 bits: 8 hex digits");
  sub->add_option("--in", o->in, "Read the message from FILE (hex text or binary)");
  sub->add_option("message", o->hex, "The message in hex");
  sub->add_flag("--show-key", o->show_key, "Print the delivered key (never for the all-zero PRUK ID trigger)");
  sub->add_flag("--accept-rfc3830-defaults", o->accept_rfc3830_defaults,
                "Also accept PRF MIKEY-1 and HMAC-SHA-1-160 (refused by default: no downgrade)");
  sub->add_option("--now", o->now, "Local time, Unix seconds (default: the clock)");
  sub->add_option("--window", o->window, "Accepted clock skew in seconds (default 300)");
  sub->add_option("--replay-cache", o->replay_file, "Replay cache FILE kept across runs (created when missing)");
  o->json = add_json_flag(sub, {"key_class", "pruk_id", "pgk_id", "key_type_id", "key_request_trigger", "action",
                                "pkmf_fqdn", "ue_id", "pmk_id", "csb_id", "timestamp", "valid_from", "valid_to",
                                "lifetime", "validity", "pruk", "pgk", "verification_message"});
  sub->callback([o] {
    ReceiverConfig cfg;
    if (!o->window.empty()) cfg.window_seconds = int_option("--window", o->window, 0, 86400);
    cfg.accept_rfc3830_defaults = o->accept_rfc3830_defaults;
    Receiver r(cfg);
    r.add_pmk(hex_option("--pmk-id", o->pmk_id), secret_option("--pmk", o->pmk));
    or_exit(r.add_key_type(hex_option("--key-type-id", o->key_type_id, kKeyTypeIdLen), KeyClass::kPruk),
            "--key-type-id");
    if (!o->pgk_key_type_id.empty())
      or_exit(r.add_key_type(hex_option("--pgk-key-type-id", o->pgk_key_type_id, kKeyTypeIdLen), KeyClass::kPgk),
              "--pgk-key-type-id");
    Bytes msg = read_input("message", o->hex, o->in);
    NtpTime now = now_option(o->now);
    if (!o->replay_file.empty()) {
      std::ifstream f(o->replay_file);
      std::string line;
      int n = 0;
      while (std::getline(f, line)) {
        ++n;
        if (line.empty()) continue;
        auto k = from_hex(line, "--replay-cache");
        auto e = k.ok() ? ReplayEntry::from_key(*k) : Result<ReplayEntry>(k.error());
        if (!e.ok()) bad_input("--replay-cache: line " + std::to_string(n) + ": " + e.error().to_string());
        r.replay_cache().remember(*e, 0);
      }
    }
    OpenedDelivery d = or_exit(r.open(msg, now), "open");
    if (!o->replay_file.empty()) {
      std::ofstream f(o->replay_file, std::ios::app);
      ReplayEntry e{d.csb_id, d.t, {}};
      auto dec = decode(msg);  // already validated: RAND is present
      if (dec.ok())
        if (const auto* rp = dec->msg.find<RandPayload>()) e.rand = rp->rand;
      f << to_hex(e.key()) << "\n";
      if (!f) throw Exit(kExitFailure, "--replay-cache: cannot write " + o->replay_file);
    }
    std::string cls(key_class_name(d.key_class));
    Output out(*o->json);
    std::string cls_key = snake_case_key(cls);  // "pruk" or "pgk"
    out.text("key_class", "Key class", cls);
    out.hex_id(cls_key + "_id", cls + " ID", d.key_id, 8);
    out.hex("key_type_id", "Key Type ID", d.key_type_id);
    out.flag("key_request_trigger", "Key request trigger", d.key_request_trigger);
    if (d.key_request_trigger) out.text("action", "Action", std::string("send a Key Request to the PKMF"));
    out.text("pkmf_fqdn", "PKMF FQDN", d.pkmf_fqdn).text("ue_id", "UE ID", d.ue_id).hex("pmk_id", "PMK ID", d.pmk_id);
    out.hex_id("csb_id", "CSB ID", d.csb_id, 4).text("timestamp", "Timestamp", iso_utc(d.t));
    if (d.valid_from && d.valid_to) {
      out.text("valid_from", "Valid from", iso_utc(*d.valid_from)).text("valid_to", "Valid to", iso_utc(*d.valid_to));
      out.num("lifetime", "Lifetime", static_cast<std::int64_t>((*d.valid_to - *d.valid_from) >> 32));  // modulo 2^64
    } else {
      out.text("validity", "Validity", std::string("not limited by the message"));
    }
    if (d.key_request_trigger)  // the receiver discarded the key: there is none to show, with or without --show-key
      out.line(cls, std::string("none (key request trigger: the delivered key is discarded, not stored or shown)"));
    else if (o->show_key)
      out.text(cls_key, cls, d.key.reveal_hex());
    if (d.verification_message) out.hex("verification_message", "Verification message", *d.verification_message);
    out.print();
  });
}

// ---- decode ---------------------------------------------------------------------------------------------------

ojson describe_hdr(const Hdr& h) {
  ojson j;
  j["version"] = h.version;
  j["data_type"] = named(h.data_type, data_type_name(h.data_type));
  j["v"] = h.v;
  j["prf_func"] = named(h.prf_func, prf_name(h.prf_func));
  j["csb_id"] = to_hex_u32(h.csb_id);
  j["cs_count"] = h.cs_count;
  j["cs_id_map_type"] = named(h.map_type, map_type_name(h.map_type));
  ojson cs = ojson::array();
  for (const auto& e : h.srtp)
    cs.push_back({{"policy_no", e.policy_no}, {"ssrc", to_hex_u32(e.ssrc)}, {"roc", to_hex_u32(e.roc)}});
  for (const auto& e : h.generic)
    cs.push_back({{"cs_id", e.cs_id},
                  {"prot_type", e.prot_type},
                  {"s", e.s},
                  {"policies", e.policies},
                  {"session_data", to_hex(e.session_data)},
                  {"spi", to_hex(e.spi)}});
  if (!cs.empty()) j["cs_id_map"] = cs;
  return j;
}

std::string printable(const Bytes& b) {
  for (auto c : b)
    if (c < 0x20 || c > 0x7e) return "hex:" + to_hex(b);
  return std::string(b.begin(), b.end());
}

ojson describe_payload(const Payload& p) {
  ojson j;
  j["payload"] = std::string(payload_name(static_cast<std::uint8_t>(payload_type(p))));
  if (const auto* t = std::get_if<TPayload>(&p)) {
    j["ts_type"] = named(t->ts_type, ts_type_name(t->ts_type));
    j["ts_value"] = to_hex(t->wire_value());
    if (t->ts_type != static_cast<std::uint8_t>(TsType::kCounter)) j["time"] = iso_utc(t->value);
  } else if (const auto* r = std::get_if<RandPayload>(&p)) {
    j["rand_len"] = r->rand.size();
    j["rand"] = to_hex(r->rand);
  } else if (const auto* id = std::get_if<IdPayload>(&p)) {
    j["id_type"] = named(id->id_type, id_type_name(id->id_type));
    j["id_len"] = id->data.size();
    j["id"] = printable(id->data);
  } else if (const auto* idr = std::get_if<IdrPayload>(&p)) {
    j["id_role"] = named(idr->role, id_role_name(idr->role));
    j["id_type"] = named(idr->id_type, id_type_name(idr->id_type));
    j["id_len"] = idr->data.size();
    j["id"] = printable(idr->data);
  } else if (const auto* sp = std::get_if<SpPayload>(&p)) {
    j["policy_no"] = sp->policy_no;
    j["prot_type"] = sp->prot_type;
    ojson a = ojson::array();
    for (const auto& prm : sp->params) a.push_back({{"type", prm.type}, {"value", to_hex(prm.value)}});
    j["params"] = a;
  } else if (const auto* k = std::get_if<KemacPayload>(&p)) {
    j["encr_alg"] = named(k->encr_alg, encr_alg_name(k->encr_alg));
    j["encr_data_len"] = k->encr_data.size();
    j["encr_data"] = to_hex(k->encr_data);
    if (k->encr_alg == static_cast<std::uint8_t>(EncrAlg::kNull)) {
      auto kd = decode_key_data(k->encr_data);
      if (kd.ok()) {
        ojson a = ojson::array();
        for (const auto& x : *kd) {
          ojson e{{"type", named(x.type, key_data_type_name(x.type))},
                  {"kv", named(x.kv, kv_type_name(x.kv))},
                  {"key_len", x.key.size()},
                  {"key", x.key.reveal_hex()}};  // NULL encryption: already in the clear on the wire
          if (!x.salt.empty()) e["salt"] = x.salt.reveal_hex();
          if (!x.spi.empty()) e["spi"] = to_hex(x.spi);
          if (!x.valid_from.empty()) e["valid_from"] = to_hex(x.valid_from);
          if (!x.valid_to.empty()) e["valid_to"] = to_hex(x.valid_to);
          a.push_back(e);
        }
        j["key_data"] = a;
      } else {
        j["key_data_error"] = kd.error().to_string();
      }
    }
    j["mac_alg"] = named(k->mac_alg, mac_alg_name(k->mac_alg));
    j["mac"] = to_hex(k->mac);
  } else if (const auto* v = std::get_if<VPayload>(&p)) {
    j["auth_alg"] = named(v->auth_alg, mac_alg_name(v->auth_alg));
    j["ver_data"] = to_hex(v->mac);
  } else if (const auto* e = std::get_if<ErrPayload>(&p)) {
    j["error_no"] = e->error_no;
  } else if (const auto* x = std::get_if<GeneralExtPayload>(&p)) {
    j["type"] = x->type;
    j["length"] = x->data.size();
    j["data"] = to_hex(x->data);
  }
  return j;
}

void print_plain(const ojson& j, int indent) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    std::string pad(static_cast<std::size_t>(indent), ' ');
    if (it->is_array()) {
      std::cout << pad << it.key() << ":\n";
      for (const auto& e : *it) {
        if (e.is_object()) {
          std::cout << pad << "  -\n";
          print_plain(e, indent + 4);
        } else {
          std::cout << pad << "  - " << e << "\n";
        }
      }
    } else if (it->is_object()) {
      std::cout << pad << it.key() << ":\n";
      print_plain(*it, indent + 2);
    } else if (it->is_string()) {
      std::cout << pad << it.key() << ": " << it->get<std::string>() << "\n";
    } else {
      std::cout << pad << it.key() << ": " << it->dump() << "\n";
    }
  }
}

void add_decode(CLI::App* group) {
  struct Opts {
    std::string in, hex;
    bool* json = nullptr;
  };
  auto o = std::make_shared<Opts>();
  auto* sub = group->add_subcommand("decode", "Decode a MIKEY message: every payload and field");
  sub->add_option("--in", o->in, "Read the message from FILE (hex text or binary)");
  sub->add_option("message", o->hex, "The message in hex");
  o->json = add_json_flag(sub, {"length", "payloads", "mac_covers"});
  sub->callback([o] {
    Bytes msg = read_input("message", o->hex, o->in);
    Decoded d = or_exit(decode(msg), "decode");
    ojson j;
    j["length"] = msg.size();
    ojson hdr{{"payload", "HDR"}, {"offset", 0}};
    ojson hdr_fields = describe_hdr(d.msg.hdr);
    for (auto it = hdr_fields.begin(); it != hdr_fields.end(); ++it) hdr[it.key()] = *it;
    ojson payloads = ojson::array();
    payloads.push_back(hdr);
    for (std::size_t i = 0; i < d.msg.payloads.size(); ++i) {
      ojson p = describe_payload(d.msg.payloads[i]);
      ojson q{{"payload", p["payload"]}, {"offset", d.offsets[i]}};
      for (auto it = p.begin(); it != p.end(); ++it)
        if (it.key() != "payload") q[it.key()] = *it;
      payloads.push_back(q);
    }
    j["payloads"] = payloads;
    if (d.mac_offset) j["mac_covers"] = "octets 0.." + std::to_string(*d.mac_offset - 1);
    if (*o->json) {
      Output out(true);
      for (auto it = j.begin(); it != j.end(); ++it) out.raw(it.key(), *it);
      out.print();
    } else {
      std::cout << "MIKEY message, " << msg.size() << " octets\n";
      for (const auto& p : payloads) {
        std::cout << p["payload"].get<std::string>() << " (offset " << p["offset"].get<std::size_t>() << ")\n";
        ojson rest = p;
        rest.erase("payload");
        rest.erase("offset");
        print_plain(rest, 2);
      }
      if (d.mac_offset) std::cout << "MAC covers octets 0.." << (*d.mac_offset - 1) << "\n";
    }
  });
}

}  // namespace

void register_mikey(CLI::App& app) {
  CLI::App* group =
      subcommand_group(app, "mikey", "MIKEY PSK delivery of PRUKs/PGKs (RFC 3830/6043, ProSe profile) and a decoder");
  add_pruk_message(group);
  add_open(group);
  add_decode(group);
}

}  // namespace prose::cli::mikey_command
