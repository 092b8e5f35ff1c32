// `prose crypto kdf | kd | kd-sess | pek | pik | naf-key | milenage`: the key-derivation calculator.
// (`prose crypto eea | eia` live in crypto_cipher.cpp; both files add to the shared "crypto" group.)
#include <memory>
#include <string>
#include <vector>

#include "cli.h"
#include "prose/crypto/kdf.h"
#include "prose/crypto/milenage.h"
#include "prose/keys/prose_keys.h"
#include "prose/util/hex.h"

namespace prose::cli::crypto_keys_command {
namespace {

// Algorithm identities (4 bits) known to TS 33.401 / 33.303: 0 null, 1 SNOW 3G, 2 AES, 3 ZUC.
std::uint8_t alg_option(const std::string& value) {
  std::size_t used = 0;
  long long x = -1;
  try {
    x = std::stoll(value, &used, 10);
  } catch (const std::exception&) {
    bad_input("--alg: expected an algorithm identity 0..3, got '" + value + "'");
  }
  if (used != value.size()) bad_input("--alg: expected an algorithm identity 0..3, got '" + value + "'");
  if (x < 0 || x > 3) {
    bad_input("--alg: unknown algorithm " + value +
              " (known: 0 = EEA0/EIA0, 1 = 128-EEA1/EIA1, 2 = 128-EEA2/EIA2, 3 = 128-EEA3/EIA3)");
  }
  return static_cast<std::uint8_t>(x);
}

struct KdfOpts {
  std::string key, fc;
  std::vector<std::string> params;
  bool* json = nullptr;
};
struct KdOpts {
  std::string pruk, freshness;
  bool* json = nullptr;
};
struct KdSessOpts {
  std::string kd, nonce1, nonce2;
  bool* json = nullptr;
};
struct AlgKeyOpts {
  std::string kd_sess, alg;
  bool* json = nullptr;
};
struct NafKeyOpts {
  std::string ck, ik, rand, impi, naf_id;
  bool* json = nullptr;
};
struct MilenageOpts {
  std::string k, op, opc, rand, sqn, amf;
  bool* json = nullptr;
};

void add_kdf(CLI::App* crypto) {
  auto o = std::make_shared<KdfOpts>();
  auto* sub =
      crypto->add_subcommand("kdf", "TS 33.220 Annex B KDF: HMAC-SHA-256(key, FC || P0 || L0 || ...) -> 64 hex");
  sub->add_option("--key", o->key, "Key (hex, any length)")->required();
  sub->add_option("--fc", o->fc, "FC (hex, one octet)")->required();
  sub->add_option("--param", o->params, "Parameter Pi (hex), repeat in order P0, P1, ...")->allow_extra_args(false);
  o->json = add_json_flag(sub, {"kdf"});
  sub->callback([o] {
    SecretBytes key = secret_option("--key", o->key);
    auto fc = static_cast<std::uint8_t>(hex_uint_option("--fc", o->fc, 8));
    std::vector<Bytes> ps;
    for (std::size_t i = 0; i < o->params.size(); ++i) {
      ps.push_back(hex_option("--param (P" + std::to_string(i) + ")", o->params[i]));
    }
    std::vector<ByteView> views(ps.begin(), ps.end());
    SecretBytes out = or_exit(crypto::kdf(key.view(), fc, views), "--param");
    Output(*o->json).value("kdf", out.reveal_hex());
  });
}

void add_kd(CLI::App* crypto) {
  auto o = std::make_shared<KdOpts>();
  auto* sub = crypto->add_subcommand("kd", "KD from PRUK (TS 33.303 A.7, provisional FC) -> 64 hex");
  sub->add_option("--pruk", o->pruk, "PRUK (32 octets hex)")->required();
  sub->add_option("--freshness", o->freshness, "KD freshness parameter (16 octets hex)")->required();
  o->json = add_json_flag(sub, {"kd"});
  sub->callback([o] {
    SecretBytes pruk = secret_option("--pruk", o->pruk, keys::kPrukSize);
    Bytes fresh = hex_option("--freshness", o->freshness, keys::kKdFreshnessSize);
    Output(*o->json).value("kd", or_exit(keys::derive_kd(pruk.view(), fresh), "").reveal_hex());
  });
}

void add_kd_sess(CLI::App* crypto) {
  auto o = std::make_shared<KdSessOpts>();
  auto* sub = crypto->add_subcommand("kd-sess", "KD-sess from KD, Nonce_1, Nonce_2 (TS 33.303 6.5) -> 64 hex");
  sub->add_option("--kd", o->kd, "KD (32 octets hex)")->required();
  sub->add_option("--nonce1", o->nonce1, "Nonce_1 (16 octets hex)")->required();
  sub->add_option("--nonce2", o->nonce2, "Nonce_2 (16 octets hex)")->required();
  o->json = add_json_flag(sub, {"kd_sess"});
  sub->callback([o] {
    SecretBytes kd = secret_option("--kd", o->kd, keys::kKdSize);
    Bytes n1 = hex_option("--nonce1", o->nonce1, keys::kNonceSize);
    Bytes n2 = hex_option("--nonce2", o->nonce2, keys::kNonceSize);
    Output(*o->json).value("kd_sess", or_exit(keys::derive_kd_sess(kd.view(), n1, n2), "").reveal_hex());
  });
}

void add_alg_key(CLI::App* crypto, const std::string& name, bool integrity) {
  auto o = std::make_shared<AlgKeyOpts>();
  auto* sub = crypto->add_subcommand(
      name, std::string(integrity ? "PIK" : "PEK") + " from KD-sess or PTK (TS 33.303 A.4, provisional FC) -> 32 hex");
  sub->add_option("--kd-sess", o->kd_sess, "KD-sess or PTK (32 octets hex)")->required();
  sub->add_option("--alg", o->alg, "Algorithm identity: 0 null, 1 SNOW 3G, 2 AES, 3 ZUC")->required();
  o->json = add_json_flag(sub, {name});
  sub->callback([o, integrity, name] {
    SecretBytes k = secret_option("--kd-sess", o->kd_sess, keys::kKdSessSize);
    std::uint8_t alg = alg_option(o->alg);
    auto r = integrity ? keys::derive_pik(k.view(), alg) : keys::derive_pek(k.view(), alg);
    Output(*o->json).value(name, or_exit(std::move(r), "").reveal_hex());
  });
}

void add_naf_key(CLI::App* crypto) {
  auto o = std::make_shared<NafKeyOpts>();
  auto* sub = crypto->add_subcommand(
      "naf-key", "Ks_(ext)_NAF = KDF(CK || IK, 0x01, \"gba-me\", RAND, IMPI, NAF_Id) (TS 33.220 B.3) -> 64 hex");
  sub->add_option("--ck", o->ck, "CK (16 octets hex)")->required();
  sub->add_option("--ik", o->ik, "IK (16 octets hex)")->required();
  sub->add_option("--rand", o->rand, "RAND (16 octets hex)")->required();
  sub->add_option("--impi", o->impi, "IMPI (UTF-8 string)")->required();
  sub->add_option("--naf-id", o->naf_id, "NAF_Id = FQDN || 5-octet Ua security protocol id (hex)")->required();
  o->json = add_json_flag(sub, {"ks_ext_naf"});
  sub->callback([o] {
    SecretBytes ck = secret_option("--ck", o->ck, 16);
    SecretBytes ik = secret_option("--ik", o->ik, 16);
    Bytes rand = hex_option("--rand", o->rand, 16);
    if (o->impi.empty()) bad_input("--impi: must not be empty");
    Bytes naf_id = hex_option("--naf-id", o->naf_id);
    if (naf_id.empty()) bad_input("--naf-id: must not be empty");
    auto k = or_exit(keys::derive_ks_ext_naf(ck.view(), ik.view(), rand, o->impi, naf_id), "");
    Output(*o->json).value("ks_ext_naf", k.reveal_hex());
  });
}

void add_milenage(CLI::App* crypto) {
  auto o = std::make_shared<MilenageOpts>();
  auto* sub = crypto->add_subcommand("milenage", "Milenage f1, f1*, f2, f3, f4, f5, f5* (TS 35.206)");
  sub->add_option("--k", o->k, "Subscriber key K (16 octets hex)")->required();
  auto* op = sub->add_option("--op", o->op, "Operator variant OP (16 octets hex)");
  auto* opc = sub->add_option("--opc", o->opc, "OPc (16 octets hex)");
  op->excludes(opc);
  opc->excludes(op);
  sub->add_option("--rand", o->rand, "RAND (16 octets hex)")->required();
  sub->add_option("--sqn", o->sqn, "SQN (6 octets hex)")->required();
  sub->add_option("--amf", o->amf, "AMF (2 octets hex)")->required();
  o->json = add_json_flag(sub, {"opc", "mac_a", "mac_s", "res", "ck", "ik", "ak", "ak_star"});
  sub->callback([o] {
    SecretBytes k = secret_option("--k", o->k, crypto::kMilenageKeySize);
    SecretBytes opc;
    if (!o->op.empty()) {
      SecretBytes op = secret_option("--op", o->op, crypto::kMilenageKeySize);
      opc = or_exit(crypto::Milenage::compute_opc(k.view(), op.view()), "--op");
    } else if (!o->opc.empty()) {
      opc = secret_option("--opc", o->opc, crypto::kMilenageKeySize);
    } else {
      bad_input("missing option: give --op or --opc");
    }
    Bytes rand = hex_option("--rand", o->rand, crypto::kMilenageKeySize);
    Bytes sqn = hex_option("--sqn", o->sqn, crypto::kSqnSize);
    Bytes amf = hex_option("--amf", o->amf, crypto::kAmfSize);
    auto m = or_exit(crypto::Milenage::create(k.view(), opc.view()), "");
    auto r = or_exit(m.compute(rand, sqn, amf), "");
    Output out(*o->json);
    out.text("opc", "OPc", opc.reveal_hex())
        .hex("mac_a", "MAC-A", r.mac_a)
        .hex("mac_s", "MAC-S", r.mac_s)
        .hex("res", "RES", r.res)
        .text("ck", "CK", r.ck.reveal_hex())
        .text("ik", "IK", r.ik.reveal_hex())
        .hex("ak", "AK", r.ak)
        .hex("ak_star", "AK*", r.ak_star);
    out.print();
  });
}

}  // namespace

void register_crypto_keys(CLI::App& app) {
  CLI::App* crypto = subcommand_group(app, "crypto", "3GPP crypto calculator: KDF, ProSe keys, Milenage, EEA/EIA");
  add_kdf(crypto);
  add_kd(crypto);
  add_kd_sess(crypto);
  add_alg_key(crypto, "pek", false);
  add_alg_key(crypto, "pik", true);
  add_naf_key(crypto);
  add_milenage(crypto);
}

}  // namespace prose::cli::crypto_keys_command
