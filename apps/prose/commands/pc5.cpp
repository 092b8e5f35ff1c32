// `prose pc5 decode | protect | unprotect`: the TS 24.334 PC5 signalling decoder and sidelink PDCP
// protection (TS 36.323, profile.md section 3) for test engineers.
#include <iostream>
#include <memory>
#include <string>

#include "cli.h"
#include "prose/cipher/eps_algorithms.h"
#include "prose/pc5/codec.h"
#include "prose/pdcp/pdcp.h"
#include "prose/util/hex.h"

namespace prose::cli {
namespace {

struct DecodeOpts {
  std::string hex, file;
  bool* json = nullptr;
};

void add_decode(CLI::App* pc5) {
  auto o = std::make_shared<DecodeOpts>();
  auto* sub = pc5->add_subcommand("decode", "Decode a PC5 signalling message: message type and every IE");
  sub->add_option("HEX", o->hex, "The message in hex (PDCP header not included)");
  sub->add_option("--in", o->file, "Read the message from FILE (hex text or binary) instead");
  o->json = add_json_flag(sub);
  sub->callback([o] {
    Bytes wire = read_input("HEX", o->hex, o->file);
    pc5::Message m = or_exit(pc5::decode(wire), "decode");
    Output out(*o->json);
    for (const auto& [k, v] : pc5::describe(m)) out.field(k, v);
    out.print();
  });
}

struct PdcpOpts {
  std::string enc_alg, int_alg, pek, pik, kd_sess_id, count, bearer, direction, sdu_type, in, backend;
  bool* json = nullptr;
};

struct PdcpParsed {
  cipher::Eea eea = cipher::Eea::kEea0;
  cipher::Eia eia = cipher::Eia::kEia0;
  SecretBytes pek, pik;
  pdcp::ProtectionMode mode;
  std::uint8_t bearer = 0, direction = 0;
  cipher::Backend* backend = nullptr;
};

unsigned alg_option(const std::string& opt, const std::string& v) {
  return static_cast<unsigned>(int_option(opt, v, 0, 3));  // 4-bit identities 0..3 (TS 33.401 5.1.3)
}

PdcpParsed parse_keys(const PdcpOpts& o) {
  PdcpParsed p;
  p.eea = static_cast<cipher::Eea>(alg_option("--enc-alg", o.enc_alg));
  p.eia = static_cast<cipher::Eia>(alg_option("--int-alg", o.int_alg));
  if (!o.pek.empty()) p.pek = secret_option("--pek", o.pek, 16);
  if (!o.pik.empty()) p.pik = secret_option("--pik", o.pik, 16);
  if (p.eea != cipher::Eea::kEea0 && p.pek.empty()) bad_input("--pek: required when --enc-alg is not 0");
  p.mode.ciphering = p.eea != cipher::Eea::kEea0;
  p.mode.integrity = p.eia != cipher::Eia::kEia0 && !p.pik.empty();
  p.bearer = static_cast<std::uint8_t>(int_option("--bearer", o.bearer, 0, 31));
  p.direction = static_cast<std::uint8_t>(int_option("--direction", o.direction, 0, 1));
  if (o.backend.empty()) {
    p.backend = &cipher::default_backend();
  } else {
    auto b = cipher::backend_by_name(o.backend);
    if (!b.ok()) bad_input("--backend: " + b.error().message);
    p.backend = *b;
  }
  return p;
}

pdcp::KeyView key_view(const PdcpParsed& p) {
  static const std::uint8_t kZero[16] = {};
  return pdcp::KeyView{p.eea, p.eia, p.pek.empty() ? ByteView(kZero) : p.pek.view(),
                       p.pik.empty() ? ByteView(kZero) : p.pik.view()};
}

void add_key_options(CLI::App* sub, PdcpOpts& o) {
  sub->add_option("--enc-alg", o.enc_alg, "Ciphering algorithm: 0 (EEA0), 1, 2, 3")->required();
  sub->add_option("--int-alg", o.int_alg, "Integrity algorithm: 0 (none), 1, 2, 3")->required();
  sub->add_option("--pek", o.pek, "PEK, 16 octets hex (needed when --enc-alg is not 0)");
  sub->add_option("--pik", o.pik, "PIK, 16 octets hex; integrity applies when given and --int-alg is not 0");
  sub->add_option("--bearer", o.bearer, "BEARER, 0..31 (PC5 signalling: 0)")->required();
  sub->add_option("--direction", o.direction, "DIRECTION: 0 from the DCR sender, 1 from the other UE")->required();
  sub->add_option("--backend", o.backend, "portable | ipsec-mb (default: ipsec-mb when the CPU runs it)");
  o.json = add_json_flag(sub);
}

void add_protect(CLI::App* pc5) {
  auto o = std::make_shared<PdcpOpts>();
  auto* sub = pc5->add_subcommand("protect", "Build a sidelink PDCP PDU: header, data ciphered with PEK, MAC-I");
  add_key_options(sub, *o);
  sub->add_option("--kd-sess-id", o->kd_sess_id, "KD-sess ID, 16-bit hex (0 = unprotected)")->required();
  sub->add_option("--count", o->count, "COUNT, 32-bit hex; its 16 LSBs go in the header as the PDCP SN")->required();
  sub->add_option("--sdu-type", o->sdu_type, "SDU type: 0 IP, 1 ARP, 2 PC5 signalling, 3 Non-IP")->required();
  sub->add_option("--in", o->in, "SDU in hex")->required();
  sub->callback([o] {
    PdcpParsed p = parse_keys(*o);
    const auto kd = static_cast<std::uint16_t>(hex_uint_option("--kd-sess-id", o->kd_sess_id, 16));
    const auto count = static_cast<std::uint32_t>(hex_uint_option("--count", o->count, 32));
    const auto sdu_type = static_cast<pdcp::SduType>(int_option("--sdu-type", o->sdu_type, 0, pdcp::kMaxSduType));
    Bytes sdu = hex_option("--in", o->in);
    if (kd == pdcp::kUnprotectedKdSessId && (p.mode.ciphering || p.mode.integrity)) {
      bad_input("--kd-sess-id: 0 marks an unprotected PDU; use --enc-alg 0 and no integrity, or a non-zero ID");
    }
    Bytes pdu = or_exit(pdcp::protect_pdu(*p.backend, key_view(p), p.mode, sdu_type, kd,
                                          pdcp::PduParams{count, p.bearer, p.direction}, sdu),
                        "protect");
    Output(*o->json).value("pdu", to_hex(pdu));
  });
}

void add_unprotect(CLI::App* pc5) {
  auto o = std::make_shared<PdcpOpts>();
  auto* sub = pc5->add_subcommand("unprotect", "Check and decipher a sidelink PDCP PDU -> SDU hex (exit 2 on failure)");
  add_key_options(sub, *o);
  sub->add_option("--kd-sess-id", o->kd_sess_id, "Expected KD-sess ID, 16-bit hex (default: any non-zero)");
  sub->add_option("--count", o->count, "COUNT, 32-bit hex; its 16 LSBs must equal the header SN (default: HFN 0)");
  sub->add_option("--in", o->in, "PDCP PDU in hex")->required();
  sub->callback([o] {
    PdcpParsed p = parse_keys(*o);
    Bytes pdu = hex_option("--in", o->in);
    pdcp::Header h = or_exit(pdcp::decode_header(pdu), "--in");
    const bool protected_mode = p.mode.ciphering || p.mode.integrity;
    if (pdcp::is_unprotected(h) && protected_mode) {
      bad_input("unprotect: the PDU is unprotected (KD-sess ID 0) but keys were given");
    }
    if (!o->kd_sess_id.empty()) {
      const auto kd = static_cast<std::uint16_t>(hex_uint_option("--kd-sess-id", o->kd_sess_id, 16));
      if (kd != h.kd_sess_id) {
        bad_input("--kd-sess-id: the PDU carries KD-sess ID " +
                  to_hex(Bytes{static_cast<std::uint8_t>(h.kd_sess_id >> 8), static_cast<std::uint8_t>(h.kd_sess_id)}));
      }
    }
    std::uint32_t count = h.sn;
    if (!o->count.empty()) {
      count = static_cast<std::uint32_t>(hex_uint_option("--count", o->count, 32));
      if ((count & pdcp::kSnMask) != h.sn) bad_input("--count: its 16 LSBs do not match the PDCP SN in the header");
    }
    pdcp::UnprotectedPdu r = or_exit(
        pdcp::unprotect_pdu(*p.backend, key_view(p), p.mode, pdcp::PduParams{count, p.bearer, p.direction}, pdu),
        "unprotect");
    if (*o->json) {
      Output out(true);
      out.field("sdu", to_hex(r.sdu));
      out.field("SDU type", static_cast<std::int64_t>(r.header.sdu_type));
      out.field("KD-sess ID", static_cast<std::int64_t>(r.header.kd_sess_id));
      out.field("COUNT", static_cast<std::int64_t>(r.count));
      out.field("integrity checked", p.mode.integrity);
      out.print();
    } else {
      Output(false).value("sdu", to_hex(r.sdu));
    }
  });
}

}  // namespace

void register_pc5(CLI::App& app) {
  CLI::App* pc5 = subcommand_group(app, "pc5", "PC5 signalling (TS 24.334) decoder and sidelink PDCP protection");
  add_decode(pc5);
  add_protect(pc5);
  add_unprotect(pc5);
}

}  // namespace prose::cli
