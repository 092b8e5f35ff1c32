// `prose crypto eea | eia`: 128-EEA1/2/3 and 128-EIA1/2/3 (TS 33.401 Annex B) on a chosen backend.
// (The key-derivation commands of the "crypto" group live in crypto_keys.cpp.)
#include <memory>
#include <string>

#include "cli.h"
#include "prose/cipher/eps_algorithms.h"
#include "prose/util/hex.h"

namespace prose::cli::crypto_cipher_command {
namespace {

struct CipherOpts {
  std::string alg, key, count, bearer, direction, length, in, backend;
  bool* json = nullptr;
};

unsigned cipher_alg_option(const std::string& value, const char* family) {
  const std::string known = std::string(" (known: 0 = ") + family + "0, 1 = 128-" + family + "1 (SNOW 3G), 2 = 128-" +
                            family + "2 (AES), 3 = 128-" + family + "3 (ZUC))";
  std::size_t used = 0;
  long long x = -1;
  try {
    x = std::stoll(value, &used, 10);
  } catch (const std::exception&) {
    bad_input("--alg: expected an algorithm identity, got '" + value + "'" + known);
  }
  if (used != value.size()) bad_input("--alg: expected an algorithm identity, got '" + value + "'" + known);
  if (x < 0 || x > 3) bad_input("--alg: unknown algorithm " + value + known);
  return static_cast<unsigned>(x);
}

cipher::Backend& backend_option(const std::string& name) {
  if (name.empty()) return cipher::default_backend();
  auto b = cipher::backend_by_name(name);
  if (!b.ok()) bad_input("--backend: " + b.error().message);
  return **b;
}

struct Parsed {
  unsigned alg = 0;
  SecretBytes key;
  cipher::EpsParams params;
  Bytes in;
  std::size_t length_bits = 0;
  cipher::Backend* backend = nullptr;
};

Parsed parse(const CipherOpts& o, const char* family) {
  Parsed p;
  p.alg = cipher_alg_option(o.alg, family);
  p.key = secret_option("--key", o.key, 16);
  p.params.count = static_cast<std::uint32_t>(hex_uint_option("--count", o.count, 32));
  p.params.bearer = static_cast<std::uint8_t>(int_option("--bearer", o.bearer, 0, 31));
  p.params.direction = static_cast<std::uint8_t>(int_option("--direction", o.direction, 0, 1));
  p.in = hex_option("--in", o.in);
  if (o.length.empty()) {
    p.length_bits = p.in.size() * 8;
  } else {
    const auto len = int_option("--length", o.length, 0, static_cast<std::int64_t>(1) << 40);
    p.length_bits = static_cast<std::size_t>(len);
    if (p.length_bits > p.in.size() * 8) {
      bad_input("--length: " + o.length + " bits is longer than the data given with --in (" +
                std::to_string(p.in.size()) + " octets = " + std::to_string(p.in.size() * 8) + " bits)");
    }
  }
  p.backend = &backend_option(o.backend);
  return p;
}

void add_common(CLI::App* sub, CipherOpts& o) {
  sub->add_option("--alg", o.alg, "Algorithm identity: 0 (null), 1 (SNOW 3G), 2 (AES), 3 (ZUC)")->required();
  sub->add_option("--key", o.key, "KEY, 16 octets in hex")->required();
  sub->add_option("--count", o.count, "COUNT, 32-bit hex")->required();
  sub->add_option("--bearer", o.bearer, "BEARER, 0..31")->required();
  sub->add_option("--direction", o.direction, "DIRECTION, 0 or 1")->required();
  sub->add_option("--length", o.length, "LENGTH in bits (default: all of --in)");
  sub->add_option("--in", o.in, "Input data in hex")->required();
  sub->add_option("--backend", o.backend, "portable | ipsec-mb (default: ipsec-mb when the CPU runs it)");
}

void add_eea(CLI::App* crypto) {
  auto o = std::make_shared<CipherOpts>();
  auto* sub = crypto->add_subcommand(
      "eea", "128-EEA1/2/3 (TS 33.401 B.1): cipher or decipher LENGTH bits -> hex, bits after LENGTH zeroed");
  add_common(sub, *o);
  o->json = add_json_flag(sub, {"output"});
  sub->callback([o] {
    Parsed p = parse(*o, "EEA");
    Bytes out((p.length_bits + 7) / 8);
    or_exit(p.backend->eea(static_cast<cipher::Eea>(p.alg), p.key.view(), p.params, p.in, p.length_bits, out), "eea");
    Output(*o->json).value("output", to_hex(out));
  });
}

void add_eia(CLI::App* crypto) {
  auto o = std::make_shared<CipherOpts>();
  auto* sub = crypto->add_subcommand("eia", "128-EIA1/2/3 (TS 33.401 B.2): 32-bit MAC over LENGTH bits -> 8 hex");
  add_common(sub, *o);
  o->json = add_json_flag(sub, {"mac"});
  sub->callback([o] {
    Parsed p = parse(*o, "EIA");
    const std::uint32_t mac =
        or_exit(p.backend->eia(static_cast<cipher::Eia>(p.alg), p.key.view(), p.params, p.in, p.length_bits), "eia");
    const std::uint8_t b[4] = {static_cast<std::uint8_t>(mac >> 24), static_cast<std::uint8_t>(mac >> 16),
                               static_cast<std::uint8_t>(mac >> 8), static_cast<std::uint8_t>(mac)};
    Output(*o->json).value("mac", to_hex(ByteView(b, 4)));
  });
}

}  // namespace

void register_crypto_cipher(CLI::App& app) {
  CLI::App* crypto = subcommand_group(app, "crypto", "3GPP crypto calculator (KDF, ProSe keys, Milenage, EEA/EIA)");
  add_eea(crypto);
  add_eia(crypto);
}

}  // namespace prose::cli::crypto_cipher_command
