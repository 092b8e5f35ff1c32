// `prose gba gpi-create | gpi-open`: GBA Push Info on the NAF side (Milenage AV -> GPI) and the UE side (emulated
// USIM -> PRUK ID and PRUK, or AUTS on an SQN failure).
#include <iostream>
#include <memory>
#include <string>

#include "cli.h"
#include "prose/crypto/milenage.h"
#include "prose/gba/gba.h"
#include "prose/util/hex.h"

namespace prose::cli::gba_command {
namespace {

inline constexpr int kExitSyncFailure = 3;  // GPI rejected for its SQN: AUTS printed, resynchronise the HSS

struct CreateOpts {
  std::string k, opc, sqn, amf, rand, impi, naf_id, pruk_id, lifetime;
  bool* json = nullptr;
};
struct DecodeOpts {
  std::string gpi;
  bool* json = nullptr;
};
struct OpenOpts {
  std::string k, opc, sqn, impi, naf_id, gpi;
  bool show_key = false;
  bool* json = nullptr;
};

void add_create(CLI::App* gba) {
  auto o = std::make_shared<CreateOpts>();
  auto* sub = gba->add_subcommand("gpi-create",
                                  "NAF side: run Milenage for an explicit subscriber and form a GPI (P-TID = PRUK ID, "
                                  "PRUK = Ks_(ext)_NAF) -> GPI hex");
  sub->add_option("--k", o->k, "Subscriber key K (16 octets hex)")->required();
  sub->add_option("--opc", o->opc, "OPc (16 octets hex)")->required();
  sub->add_option("--sqn", o->sqn, "SQN for this AV (hex number, 48 bits)")->required();
  sub->add_option("--amf", o->amf, "AMF (2 octets hex)")->required();
  sub->add_option("--rand", o->rand, "RAND (16 octets hex)")->required();
  sub->add_option("--impi", o->impi, "IMPI of the subscriber (string)")->required();
  sub->add_option("--naf-id", o->naf_id, "NAF_Id = PKMF FQDN || 5-octet Ua id (hex)")->required();
  sub->add_option("--pruk-id", o->pruk_id, "PRUK ID = P-TID (hex number, 64 bits, non-zero)")->required();
  sub->add_option("--lifetime", o->lifetime, "NAF key lifetime in seconds (default 86400)");
  o->json = add_json_flag(sub, {"gpi"});
  sub->callback([o] {
    SecretBytes k = secret_option("--k", o->k, crypto::kMilenageKeySize);
    SecretBytes opc = secret_option("--opc", o->opc, crypto::kMilenageKeySize);
    crypto::Sqn sqn = hex_uint_option("--sqn", o->sqn, 48);
    Bytes amf = hex_option("--amf", o->amf, crypto::kAmfSize);
    Bytes rand = hex_option("--rand", o->rand, crypto::kMilenageKeySize);
    if (o->impi.empty()) bad_input("--impi: must not be empty");
    Bytes naf_id = hex_option("--naf-id", o->naf_id);
    if (naf_id.size() < gba::kMinNafIdSize || naf_id.size() > gba::kMaxNafIdSize) {
      bad_input("--naf-id: must be " + std::to_string(gba::kMinNafIdSize) + ".." + std::to_string(gba::kMaxNafIdSize) +
                " octets (FQDN || 5-octet Ua id)");
    }
    std::uint64_t pruk_id = hex_uint_option("--pruk-id", o->pruk_id, 64);
    if (pruk_id == 0) bad_input("--pruk-id: must not be all-zero");
    std::uint32_t lifetime = gba::kDefaultKeyLifetime;
    if (!o->lifetime.empty())
      lifetime = static_cast<std::uint32_t>(int_option("--lifetime", o->lifetime, 1, 0xffffffff));
    auto av = or_exit(crypto::make_auth_vector(k.view(), opc.view(), rand, sqn, amf), "");
    auto created = or_exit(gba::create_gpi(av, o->impi, naf_id, ids::PrukId{pruk_id}, lifetime), "");
    Output(*o->json).value("gpi", to_hex(created.gpi));
  });
}

void add_open(CLI::App* gba) {
  auto o = std::make_shared<OpenOpts>();
  auto* sub = gba->add_subcommand(
      "gpi-open",
      "UE side: process a GPI with an emulated USIM -> PRUK ID (and PRUK with --show-key); exit 3 with AUTS on an "
      "SQN failure, exit 2 with the reason on any other failure");
  sub->add_option("--k", o->k, "Subscriber key K (16 octets hex)")->required();
  sub->add_option("--opc", o->opc, "OPc (16 octets hex)")->required();
  sub->add_option("--sqn", o->sqn, "The USIM's highest accepted SQN (hex number, 48 bits)")->required();
  sub->add_option("--impi", o->impi, "IMPI of the subscriber (string)")->required();
  sub->add_option("--naf-id", o->naf_id, "Expected NAF_Id (hex)")->required();
  sub->add_option("--gpi", o->gpi, "GPI (hex)")->required();
  sub->add_flag("--show-key", o->show_key, "Also print the PRUK");
  o->json = add_json_flag(sub, {"rand", "auts", "pruk_id", "lifetime", "pruk"});
  sub->callback([o] {
    SecretBytes k = secret_option("--k", o->k, crypto::kMilenageKeySize);
    SecretBytes opc = secret_option("--opc", o->opc, crypto::kMilenageKeySize);
    crypto::Sqn sqn_ms = hex_uint_option("--sqn", o->sqn, 48);
    if (o->impi.empty()) bad_input("--impi: must not be empty");
    Bytes naf_id = hex_option("--naf-id", o->naf_id);
    Bytes gpi = hex_option("--gpi", o->gpi);
    auto usim = or_exit(crypto::Usim::create_with_sqn_ms(k.view(), opc.view(), sqn_ms), "");
    auto outcome = or_exit(gba::process_gpi(usim, o->impi, naf_id, gpi), "--gpi");
    Output out(*o->json);
    if (outcome.sync_failure) {
      out.hex("rand", "RAND", outcome.sync_failure->rand).hex("auts", "AUTS", outcome.sync_failure->auts);
      out.print();
      throw Exit(kExitSyncFailure, "--gpi: SQN failure, resynchronisation needed (AUTS printed)", "sync_failure");
    }
    const gba::GpiAccepted& a = *outcome.accepted;
    out.hex_id("pruk_id", "PRUK ID", a.pruk_id.value, 8)
        .num("lifetime", "Lifetime", static_cast<std::int64_t>(a.lifetime));
    if (o->show_key) out.text("pruk", "PRUK", a.pruk.reveal_hex());
    out.print();
  });
}

void add_decode(CLI::App* gba) {
  auto o = std::make_shared<DecodeOpts>();
  auto* sub = gba->add_subcommand("gpi-decode", "Decode a GPI and print every field (no key needed, MAC not checked)");
  sub->add_option("--gpi", o->gpi, "GPI (hex)")->required();
  o->json =
      add_json_flag(sub, {"version", "p_tid", "rand", "autn", "app_lbl", "naf_id", "key_lifetime", "key_type", "mac"});
  sub->callback([o] {
    Bytes bytes = hex_option("--gpi", o->gpi);
    auto d = or_exit(gba::decode_gpi(bytes), "--gpi");
    const gba::Gpi& g = d.gpi;
    Output out(*o->json);
    out.num("version", "Version", static_cast<std::int64_t>(g.version))
        .hex_id("p_tid", "P-TID", g.p_tid, 8)
        .hex("rand", "RAND", g.rand)
        .hex("autn", "AUTN", g.autn);
    if (!g.app_lbl.empty()) out.hex("app_lbl", "App_Lbl", g.app_lbl);
    out.hex("naf_id", "NAF_Id", g.naf_id)
        .num("key_lifetime", "Key lifetime", static_cast<std::int64_t>(g.key_lifetime))
        .text("key_type", "Key type", std::string(g.key_type == gba::NafKeyType::kMe ? "GBA_ME" : "GBA_U"))
        .hex("mac", "MAC", g.mac);
    out.print();
  });
}

}  // namespace

void register_gba(CLI::App& app) {
  CLI::App* gba = subcommand_group(
      app, "gba", "GBA: bootstrapping over Ub (UE side), GBA Push Info creation (NAF side) and processing (UE side)");
  add_create(gba);
  add_open(gba);
  add_decode(gba);
}

}  // namespace prose::cli::gba_command
