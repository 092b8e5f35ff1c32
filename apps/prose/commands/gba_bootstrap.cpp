// `prose gba bootstrap`: the UE side of GBA bootstrapping over Ub (TS 24.109) with an emulated USIM (Milenage K and
// OPc), then Ks_(ext)_NAF for a NAF FQDN and the TLS version the NAF is reached with (TS 33.222 PSK-TLS: PSK
// identity = B-TID, key = Ks_(ext)_NAF).
#include <ctime>
#include <iostream>
#include <memory>
#include <string>

#include "cli.h"
#include "prose/crypto/milenage.h"
#include "prose/gba/ua_ids.h"
#include "prose/gba/ub_bootstrap.h"
#include "prose/keys/prose_keys.h"
#include "prose/net/identity.h"
#include "prose/util/hex.h"

namespace prose::cli::gba_bootstrap_command {
namespace {

struct BootstrapOpts {
  std::string bsf, imsi, impi, k, opc, sqn_ms = "0", naf_fqdn, tls = "1.3", suite;
  bool* json = nullptr;
};

void add_bootstrap(CLI::App* gba) {
  auto o = std::make_shared<BootstrapOpts>();
  auto* sub = gba->add_subcommand(
      "bootstrap",
      "UE side of GBA bootstrapping over Ub (HTTP Digest AKA against the BSF, e.g. `prose hss` with [bsf] ub_listen) "
      "-> B-TID, key lifetime and, with --naf-fqdn, the PSK-TLS key Ks_(ext)_NAF for that NAF");
  sub->add_option("--bsf", o->bsf, "Ub URL of the BSF, e.g. http://127.0.0.1:8080/")->required();
  sub->add_option("--imsi", o->imsi, "IMSI of the subscriber (6 to 15 digits)")->required();
  sub->add_option("--impi", o->impi, "IMPI (default <IMSI>@ims.mnc<MNC>.mcc<MCC>.3gppnetwork.org from the IMSI)");
  sub->add_option("--k", o->k, "Subscriber key K (16 octets hex)")->required();
  sub->add_option("--opc", o->opc, "OPc (16 octets hex)")->required();
  sub->add_option("--sqn-ms", o->sqn_ms,
                  "Highest SQN the emulated USIM has accepted (hex number, 48 bits; default 0: a fresh USIM). A "
                  "stale challenge is answered with AUTS and the BSF resynchronises");
  sub->add_option("--naf-fqdn", o->naf_fqdn, "FQDN of the NAF (e.g. the PKMF's [tls] naf_fqdn): print its key");
  sub->add_option("--tls", o->tls, "TLS version the NAF is reached with: 1.3 (default) or 1.2");
  sub->add_option("--cipher-suite", o->suite,
                  "TLS 1.2 only: the PSK cipher suite (hex, e.g. 008c for PSK-AES128-CBC-SHA): part of the NAF_Id");
  o->json = add_json_flag(sub, {"btid", "impi", "lifetime", "lifetime_unix", "resynchronised", "naf_id", "ks_naf"});
  sub->callback([o] {
    if (!net::PeerIdentity::ue(o->imsi).ok()) bad_input("--imsi: must be 6 to 15 decimal digits");
    SecretBytes k = secret_option("--k", o->k, crypto::kMilenageKeySize);
    SecretBytes opc = secret_option("--opc", o->opc, crypto::kMilenageKeySize);
    crypto::Sqn sqn_ms = hex_uint_option("--sqn-ms", o->sqn_ms, 48);
    auto url = or_exit(gba::parse_http_url(o->bsf), "--bsf");
    std::string impi = o->impi;
    if (impi.empty()) {
      // TS 23.003 13.3 with a 2-digit MNC.
      impi = o->imsi + "@ims.mnc0" + o->imsi.substr(3, 2) + ".mcc" + o->imsi.substr(0, 3) + ".3gppnetwork.org";
    }
    gba::UaId ua = gba::kUaTls13;
    if (o->tls == "1.2") {
      if (o->suite.empty()) bad_input("--cipher-suite: required with --tls 1.2 (the suite is part of the NAF_Id)");
      ua = gba::ua_id_tls12(static_cast<std::uint16_t>(hex_uint_option("--cipher-suite", o->suite, 16)));
    } else if (o->tls != "1.3") {
      bad_input("--tls: must be 1.3 or 1.2");
    } else if (!o->suite.empty()) {
      bad_input("--cipher-suite: only with --tls 1.2 (TLS 1.3 has one Ua id for every suite)");
    }
    auto usim = sqn_ms == 0 ? or_exit(crypto::Usim::create(k.view(), opc.view()), "USIM")
                            : or_exit(crypto::Usim::create_with_sqn_ms(k.view(), opc.view(), sqn_ms), "USIM");
    const auto now = static_cast<std::int64_t>(std::time(nullptr));
    auto r = or_exit(gba::run_bootstrap(usim, impi, url, now), "bootstrap", kExitFailure);
    Output out(*o->json);
    out.text("btid", "B-TID", r.session.btid)
        .text("impi", "IMPI", impi)
        .text("lifetime", "Key lifetime", gba::format_utc(r.session.expires))
        .num("lifetime_unix", "Key lifetime (Unix)", r.session.expires)
        .flag("resynchronised", "Resynchronised", r.resynchronised);
    if (!o->naf_fqdn.empty()) {
      Bytes naf_id = keys::make_naf_id(o->naf_fqdn, ua);
      auto key = or_exit(r.session.ks_naf(naf_id), "Ks_NAF", kExitFailure);
      out.hex("naf_id", "NAF_Id", naf_id).text("ks_naf", "Ks_(ext)_NAF", key.reveal_hex());
    }
    out.print();
  });
}

}  // namespace

void register_gba_bootstrap(CLI::App& app) {
  add_bootstrap(subcommand_group(
      app, "gba", "GBA: bootstrapping over Ub (UE side), GBA Push Info creation (NAF side) and processing (UE side)"));
}

}  // namespace prose::cli::gba_bootstrap_command
