// `prose pc5 decode | protect | unprotect`: the TS 24.334 PC5 signalling decoder and sidelink PDCP
// protection (TS 36.323, profile.md section 3) for test engineers.
#include <cctype>
#include <iostream>
#include <memory>
#include <string>

#include "cli.h"
#include "prose/agents/frame.h"
#include "prose/cipher/eps_algorithms.h"
#include "prose/dissect/dissect.h"
#include "prose/keylog/keylog.h"
#include "prose/pc5/codec.h"
#include "prose/pc5/constants.h"
#include "prose/pc5/examples.h"
#include "prose/pdcp/pdcp.h"
#include "prose/util/hex.h"

namespace prose::cli::pc5_command {
namespace {

struct DecodeOpts {
  std::string hex, file, frame, keylog;
  bool* json = nullptr;
};

const std::vector<std::string> kDecodeKeys = {"message_type", "message_type_code", "sequence_number", "ies", "frame"};

// The IEs whose describe() value is a decimal number.
bool numeric_label(const std::string& label) {
  return label == "Maximum Inactivity Period" || label == "Keepalive Counter" || label == "Auth Flag";
}

void decode_message(const DecodeOpts& o) {
  Bytes wire = read_input("HEX", o.hex, o.file);
  pc5::Message m = or_exit(pc5::decode(wire), "decode");
  Output out(*o.json);
  const auto type = static_cast<std::uint8_t>(pc5::message_type(m));
  nlohmann::ordered_json ies = nlohmann::ordered_json::object();
  for (const auto& [k, v] : pc5::describe(m)) {
    out.line(k, v);
    if (k == "Message type" || k == "Sequence Number") continue;
    if (numeric_label(k))
      ies[snake_case_key(k)] = std::stoll(v);
    else
      ies[snake_case_key(k)] = v;
  }
  out.raw("message_type", std::string(*pc5::message_type_name(type)));
  out.raw("message_type_code", type);
  out.raw("sequence_number", pc5::sequence_number(m));
  out.raw("ies", ies);
  out.print();
}

// One dissection tree node as JSON: the field's filter name, display name, typed value, text and children.
nlohmann::ordered_json node_json(const dissect::Node& n, ByteView frame, const dissect::Result& r) {
  nlohmann::ordered_json j;
  const auto& proto = dissect::kProtos[static_cast<std::size_t>(n.proto)];
  const bool is_proto = n.field == dissect::Field::kCount_;  // a protocol's node (prose/dissect protocol_node)
  static const dissect::FieldInfo kProtoField{dissect::Field::kCount_, n.proto, "", "", dissect::Kind::kProtocol,
                                              dissect::Base::kNone};
  const dissect::FieldInfo& f = is_proto ? kProtoField : dissect::field_info(n.field);
  j["field"] = is_proto ? std::string(proto.filter) : std::string(f.abbrev);
  j["name"] = is_proto ? std::string(proto.name) : std::string(f.name);
  unsigned octets = 0;
  switch (f.kind) {
    case dissect::Kind::kU8:
      octets = 1;
      break;
    case dissect::Kind::kU16:
      octets = 2;
      break;
    case dissect::Kind::kU24:
      octets = 3;
      break;
    case dissect::Kind::kU32:
      octets = 4;
      break;
    case dissect::Kind::kU64:
      octets = 8;
      break;
    default:
      break;
  }
  if (f.kind == dissect::Kind::kBool) {
    j["value"] = n.value != 0;
  } else if (octets != 0) {
    if (f.base == dissect::Base::kHex)
      j["value"] = hex_width(n.value, octets);
    else
      j["value"] = n.value;
  } else if (f.kind == dissect::Kind::kBytes) {
    ByteView buf = n.buffer == 0 ? frame : ByteView(r.buffers.at(n.buffer - 1).data);
    j["value"] = n.offset + n.length <= buf.size() ? to_hex(buf.subspan(n.offset, n.length)) : std::string();
  } else {
    j["value"] = nullptr;
  }
  j["text"] = n.text;
  nlohmann::ordered_json flags = nlohmann::ordered_json::array();
  for (const auto& fl : n.flags)
    flags.push_back({{"expert", std::string(dissect::expert_info(fl.id).abbrev)}, {"text", fl.text}});
  j["flags"] = flags;
  nlohmann::ordered_json children = nlohmann::ordered_json::array();
  for (const auto& c : n.children) children.push_back(node_json(c, frame, r));
  j["children"] = children;
  return j;
}

void print_node(const dissect::Node& n, int depth, std::vector<std::string>& errors) {
  const std::string name = n.field == dissect::Field::kCount_
                               ? std::string(dissect::kProtos[static_cast<std::size_t>(n.proto)].name)
                               : std::string(dissect::field_info(n.field).name);
  std::cout << std::string(static_cast<std::size_t>(depth) * 2, ' ') << name << (n.text.empty() ? "" : ": ") << n.text
            << "\n";
  for (const auto& fl : n.flags) {
    const dissect::ExpertInfo& e = dissect::expert_info(fl.id);
    std::cout << std::string(static_cast<std::size_t>(depth) * 2 + 2, ' ') << "[" << e.abbrev << "] " << fl.text
              << "\n";
    if (e.severity == dissect::Severity::kError) errors.push_back(fl.text);
  }
  for (const auto& c : n.children) print_node(c, depth + 1, errors);
}

void collect_errors(const dissect::Node& n, std::vector<std::string>& errors) {
  for (const auto& fl : n.flags)
    if (dissect::expert_info(fl.id).severity == dissect::Severity::kError) errors.push_back(fl.text);
  for (const auto& c : n.children) collect_errors(c, errors);
}

// --frame: the layer-2 header, the SL PDCP header, the PDU (deciphered with --keylog) and the MAC-I, with the
// Wireshark plugin's dissector (prose/dissect); an error-level finding (e.g. a MAC-I that does not verify) exits 2.
void decode_frame(const DecodeOpts& o) {
  if (!o.hex.empty() || !o.file.empty()) bad_input("give either --frame or HEX / --in, not both");
  Bytes frame = hex_option("--frame", o.frame);
  if (frame.size() <= agents::kFrameHeaderSize)
    bad_input("--frame: a frame is a 6-octet layer-2 header and a PDCP PDU, got " + std::to_string(frame.size()) +
              " octets");
  dissect::Dissector d;
  if (!o.keylog.empty()) d.set_keys(keylog::parse(read_document(o.keylog, 1 << 20)));
  dissect::Result r = d.dissect_sidelink(dissect::FrameInput{1, 0, frame});
  if (r.tree.empty()) bad_input("--frame: not a sidelink frame");
  std::vector<std::string> errors;
  if (*o.json) {
    nlohmann::ordered_json layers = nlohmann::ordered_json::array();
    for (const auto& n : r.tree) {
      layers.push_back(node_json(n, frame, r));
      collect_errors(n, errors);
    }
    Output out(true);
    out.raw("frame", {{"protocol", r.protocol}, {"info", r.info}, {"layers", layers}});
    out.print();
  } else {
    for (const auto& n : r.tree) print_node(n, 0, errors);
  }
  if (!errors.empty()) throw Exit(kExitBadInput, "--frame: " + errors.front(), "frame_check_failed");
}

void add_decode(CLI::App* pc5) {
  auto o = std::make_shared<DecodeOpts>();
  auto* sub = pc5->add_subcommand("decode",
                                  "Decode a PC5 signalling message (message type and every IE), or with --frame a "
                                  "whole captured sidelink frame, every layer");
  sub->add_option("HEX", o->hex, "The message in hex (PDCP header not included)");
  sub->add_option("--in", o->file, "Read the message from FILE (hex text or binary) instead");
  sub->add_option("--frame", o->frame,
                  "A whole sidelink frame in hex: layer-2 source and destination IDs (3 octets each), SL PDCP "
                  "header, PDU, MAC-I (exit 2 when the MAC-I does not verify)");
  sub->add_option("--keylog", o->keylog,
                  "PC5 key log (docs/wireshark.md) to decipher --frame and check its MAC-I with");
  o->json = add_json_flag(sub, kDecodeKeys);
  sub->callback([o] {
    if (!o->frame.empty())
      decode_frame(*o);
    else
      decode_message(*o);
  });
}

// `prose pc5 example [TYPE]`: the module's sample messages in hex.
void add_example(CLI::App* pc5) {
  auto type = std::make_shared<std::string>();
  auto* sub = pc5->add_subcommand(
      "example", "Print valid sample PC5 signalling messages in hex, one per message type (or only TYPE's)");
  sub->add_option("TYPE", *type, "Message type name, e.g. DIRECT_SECURITY_MODE_COMMAND (case-insensitive)");
  bool* json = add_json_flag(sub, {"examples"});
  sub->callback([type, json] {
    std::string want = *type;
    for (auto& c : want) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (auto& c : want)
      if (c == '-') c = '_';
    nlohmann::ordered_json arr = nlohmann::ordered_json::array();
    std::string names;
    for (const auto& m : pc5::example_messages()) {
      const std::string name(*pc5::message_type_name(static_cast<std::uint8_t>(pc5::message_type(m))));
      if (names.find(name) == std::string::npos) names += (names.empty() ? "" : ", ") + name;
      if (!want.empty() && want != name) continue;
      const std::string hex = to_hex(or_exit(pc5::encode(m), "example", kExitFailure));
      arr.push_back({{"message_type", name}, {"hex", hex}});
    }
    if (arr.empty()) bad_input("TYPE: unknown message type '" + *type + "' (one of: " + names + ")");
    if (*json) {
      Output(true).raw("examples", arr).print();
      return;
    }
    for (const auto& e : arr) {
      if (want.empty()) std::cout << e["message_type"].get<std::string>() << " ";
      std::cout << e["hex"].get<std::string>() << "\n";
    }
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
}

void add_protect(CLI::App* pc5) {
  auto o = std::make_shared<PdcpOpts>();
  auto* sub = pc5->add_subcommand("protect", "Build a sidelink PDCP PDU: header, data ciphered with PEK, MAC-I");
  add_key_options(sub, *o);
  sub->add_option("--kd-sess-id", o->kd_sess_id, "KD-sess ID, 16-bit hex (0 = unprotected)")->required();
  sub->add_option("--count", o->count, "COUNT, 32-bit hex; its 16 LSBs go in the header as the PDCP SN")->required();
  sub->add_option("--sdu-type", o->sdu_type, "SDU type: 0 IP, 1 ARP, 2 PC5 signalling, 3 Non-IP")->required();
  sub->add_option("--in", o->in, "SDU in hex")->required();
  o->json = add_json_flag(sub, {"pdu"});
  sub->callback([o] {
    PdcpParsed p = parse_keys(*o);
    const ids::KdSessId kd{static_cast<std::uint16_t>(hex_uint_option("--kd-sess-id", o->kd_sess_id, 16))};
    const auto count = static_cast<std::uint32_t>(hex_uint_option("--count", o->count, 32));
    const auto sdu_type = static_cast<pdcp::SduType>(int_option("--sdu-type", o->sdu_type, 0, pdcp::kMaxSduType));
    Bytes sdu = hex_option("--in", o->in);
    if (kd.is_unprotected() && (p.mode.ciphering || p.mode.integrity)) {
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
  o->json = add_json_flag(sub, {"sdu", "sdu_type", "kd_sess_id", "count", "integrity_checked"});
  sub->callback([o] {
    PdcpParsed p = parse_keys(*o);
    Bytes pdu = hex_option("--in", o->in);
    pdcp::Header h = or_exit(pdcp::decode_header(pdu), "--in");
    const bool protected_mode = p.mode.ciphering || p.mode.integrity;
    if (pdcp::is_unprotected(h) && protected_mode) {
      bad_input("unprotect: the PDU is unprotected (KD-sess ID 0) but keys were given");
    }
    if (!o->kd_sess_id.empty()) {
      const ids::KdSessId kd{static_cast<std::uint16_t>(hex_uint_option("--kd-sess-id", o->kd_sess_id, 16))};
      if (kd != h.kd_sess_id) {
        bad_input("--kd-sess-id: the PDU carries KD-sess ID " + h.kd_sess_id.hex());
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
      out.hex("sdu", "SDU", r.sdu);
      out.num("sdu_type", "SDU type", static_cast<std::int64_t>(r.header.sdu_type));
      out.hex_id("kd_sess_id", "KD-sess ID", r.header.kd_sess_id.value, 2);
      out.hex_id("count", "COUNT", r.count, 4);
      out.flag("integrity_checked", "Integrity checked", p.mode.integrity);
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
  add_example(pc5);
}

}  // namespace prose::cli::pc5_command
