#include "prose/mikey/payloads.h"

#include <string>

#include "prose/util/byte_reader.h"
#include "prose/util/byte_writer.h"

namespace prose::mikey {
namespace {

std::string num(std::size_t v) { return std::to_string(v); }

PayloadType type_of(const Payload& p) {
  struct V {
    PayloadType operator()(const TPayload&) const { return PayloadType::kT; }
    PayloadType operator()(const RandPayload&) const { return PayloadType::kRand; }
    PayloadType operator()(const IdPayload&) const { return PayloadType::kId; }
    PayloadType operator()(const IdrPayload&) const { return PayloadType::kIdr; }
    PayloadType operator()(const SpPayload&) const { return PayloadType::kSp; }
    PayloadType operator()(const KemacPayload&) const { return PayloadType::kKemac; }
    PayloadType operator()(const VPayload&) const { return PayloadType::kV; }
    PayloadType operator()(const ErrPayload&) const { return PayloadType::kErr; }
    PayloadType operator()(const GeneralExtPayload&) const { return PayloadType::kGeneralExt; }
  };
  return std::visit(V{}, p);
}

Status check_fits(std::size_t n, std::size_t max, const char* what) {
  if (n > max) return fail(Errc::kInvalidArgument, std::string(what) + " too long (" + num(n) + " octets)");
  return ok_status();
}

// ---- encoding -------------------------------------------------------------------------------------------------

Status encode_hdr(ByteWriter& w, const Hdr& h, std::uint8_t first_next) {
  if (h.prf_func > 0x7f) return fail(Errc::kInvalidArgument, "HDR PRF func does not fit 7 bits");
  w.u8(h.version).u8(h.data_type).u8(first_next).u8(static_cast<std::uint8_t>((h.v ? 0x80 : 0) | h.prf_func));
  w.u32(h.csb_id).u8(h.cs_count).u8(h.map_type);
  switch (static_cast<CsIdMapType>(h.map_type)) {
    case CsIdMapType::kSrtpId:
      if (h.srtp.size() != h.cs_count || !h.generic.empty())
        return fail(Errc::kInvalidArgument, "HDR #CS does not match the SRTP-ID map entries");
      for (const auto& e : h.srtp) w.u8(e.policy_no).u32(e.ssrc).u32(e.roc);
      break;
    case CsIdMapType::kGenericId:
      if (h.generic.size() != h.cs_count || !h.srtp.empty())
        return fail(Errc::kInvalidArgument, "HDR #CS does not match the GENERIC-ID map entries");
      for (const auto& e : h.generic) {
        if (e.policies.size() > 0x7f) return fail(Errc::kInvalidArgument, "GENERIC-ID: too many policies");
        w.u8(e.cs_id).u8(e.prot_type).u8(static_cast<std::uint8_t>((e.s ? 0x80 : 0) | e.policies.size()));
        for (auto p : e.policies) w.u8(p);
        PROSE_TRY_STATUS(check_fits(e.session_data.size(), 0xffff, "GENERIC-ID session data"));
        w.u16(static_cast<std::uint16_t>(e.session_data.size())).bytes(e.session_data);
        PROSE_TRY_STATUS(check_fits(e.spi.size(), 0xff, "GENERIC-ID SPI"));
        w.u8(static_cast<std::uint8_t>(e.spi.size())).bytes(e.spi);
      }
      break;
    case CsIdMapType::kEmpty:
      if (!h.srtp.empty() || !h.generic.empty())
        return fail(Errc::kInvalidArgument, "HDR: empty CS ID map with entries");
      break;
    default:
      return fail(Errc::kInvalidArgument, "HDR: unsupported CS ID map type " + num(h.map_type));
  }
  return ok_status();
}

Status encode_payload(ByteWriter& w, const Payload& p, std::uint8_t next) {
  w.u8(next);
  if (const auto* t = std::get_if<TPayload>(&p)) {
    w.u8(t->ts_type);
    if (t->ts_type == static_cast<std::uint8_t>(TsType::kCounter)) {
      if (t->value > 0xffffffffULL) return fail(Errc::kInvalidArgument, "T: COUNTER does not fit 32 bits");
      w.u32(static_cast<std::uint32_t>(t->value));
    } else if (t->ts_type <= static_cast<std::uint8_t>(TsType::kNtp)) {
      w.u64(t->value);
    } else {
      return fail(Errc::kInvalidArgument, "T: unsupported TS type " + num(t->ts_type));
    }
  } else if (const auto* r = std::get_if<RandPayload>(&p)) {
    if (r->rand.empty()) return fail(Errc::kInvalidArgument, "RAND: empty");
    PROSE_TRY_STATUS(check_fits(r->rand.size(), 0xff, "RAND"));
    w.u8(static_cast<std::uint8_t>(r->rand.size())).bytes(r->rand);
  } else if (const auto* id = std::get_if<IdPayload>(&p)) {
    if (id->data.empty()) return fail(Errc::kInvalidArgument, "ID: empty");
    PROSE_TRY_STATUS(check_fits(id->data.size(), 0xffff, "ID"));
    w.u8(id->id_type).u16(static_cast<std::uint16_t>(id->data.size())).bytes(id->data);
  } else if (const auto* idr = std::get_if<IdrPayload>(&p)) {
    if (idr->data.empty()) return fail(Errc::kInvalidArgument, "IDR: empty");
    PROSE_TRY_STATUS(check_fits(idr->data.size(), 0xffff, "IDR"));
    w.u8(idr->role).u8(idr->id_type).u16(static_cast<std::uint16_t>(idr->data.size())).bytes(idr->data);
  } else if (const auto* sp = std::get_if<SpPayload>(&p)) {
    w.u8(sp->policy_no).u8(sp->prot_type);
    auto mark = w.begin_u16_length();
    for (const auto& prm : sp->params) {
      PROSE_TRY_STATUS(check_fits(prm.value.size(), 0xff, "SP parameter"));
      w.u8(prm.type).u8(static_cast<std::uint8_t>(prm.value.size())).bytes(prm.value);
    }
    PROSE_TRY_STATUS(w.end_length(mark));
  } else if (const auto* k = std::get_if<KemacPayload>(&p)) {
    PROSE_TRY_STATUS(check_fits(k->encr_data.size(), 0xffff, "KEMAC encr data"));
    int ml = mac_length(k->mac_alg);
    if (ml < 0 || static_cast<std::size_t>(ml) != k->mac.size())
      return fail(Errc::kInvalidArgument, "KEMAC: MAC length does not match MAC alg " + num(k->mac_alg));
    w.u8(k->encr_alg).u16(static_cast<std::uint16_t>(k->encr_data.size())).bytes(k->encr_data);
    w.u8(k->mac_alg).bytes(k->mac);
  } else if (const auto* v = std::get_if<VPayload>(&p)) {
    int ml = mac_length(v->auth_alg);
    if (ml < 0 || static_cast<std::size_t>(ml) != v->mac.size())
      return fail(Errc::kInvalidArgument, "V: MAC length does not match auth alg " + num(v->auth_alg));
    w.u8(v->auth_alg).bytes(v->mac);
  } else if (const auto* e = std::get_if<ErrPayload>(&p)) {
    w.u8(e->error_no).u16(e->reserved);
  } else if (const auto* x = std::get_if<GeneralExtPayload>(&p)) {
    PROSE_TRY_STATUS(check_fits(x->data.size(), 0xffff, "general extension"));
    w.u8(x->type).u16(static_cast<std::uint16_t>(x->data.size())).bytes(x->data);
  }
  return ok_status();
}

// ---- decoding -------------------------------------------------------------------------------------------------

Status decode_hdr(ByteReader& r, Hdr& h, std::uint8_t& next) {
  std::size_t start = r.offset();
  PROSE_TRY(h.version, r.u8("HDR version"));
  if (h.version != kVersion)
    return fail_at(Errc::kUnsupported, start, "HDR version " + num(h.version) + " (only version 1 exists)");
  PROSE_TRY(h.data_type, r.u8("HDR data type"));
  PROSE_TRY(next, r.u8("HDR next payload"));
  PROSE_TRY(std::uint8_t vp, r.u8("HDR V/PRF"));
  h.v = (vp & 0x80) != 0;
  h.prf_func = vp & 0x7f;
  PROSE_TRY(h.csb_id, r.u32("HDR CSB ID"));
  PROSE_TRY(h.cs_count, r.u8("HDR #CS"));
  std::size_t map_at = r.offset();
  PROSE_TRY(h.map_type, r.u8("HDR CS ID map type"));
  switch (static_cast<CsIdMapType>(h.map_type)) {
    case CsIdMapType::kSrtpId:
      for (unsigned i = 0; i < h.cs_count; ++i) {
        SrtpIdEntry e;
        PROSE_TRY(e.policy_no, r.u8("SRTP-ID policy no"));
        PROSE_TRY(e.ssrc, r.u32("SRTP-ID SSRC"));
        PROSE_TRY(e.roc, r.u32("SRTP-ID ROC"));
        h.srtp.push_back(e);
      }
      break;
    case CsIdMapType::kGenericId:
      for (unsigned i = 0; i < h.cs_count; ++i) {
        GenericIdEntry e;
        PROSE_TRY(e.cs_id, r.u8("GENERIC-ID CS ID"));
        PROSE_TRY(e.prot_type, r.u8("GENERIC-ID prot type"));
        PROSE_TRY(std::uint8_t sp, r.u8("GENERIC-ID S/#P"));
        e.s = (sp & 0x80) != 0;
        PROSE_TRY(ByteView ps, r.bytes(sp & 0x7f, "GENERIC-ID policies"));
        e.policies.assign(ps.begin(), ps.end());
        PROSE_TRY(std::uint16_t sdl, r.u16("GENERIC-ID session data length"));
        PROSE_TRY(e.session_data, r.copy(sdl, "GENERIC-ID session data"));
        PROSE_TRY(std::uint8_t spil, r.u8("GENERIC-ID SPI length"));
        PROSE_TRY(e.spi, r.copy(spil, "GENERIC-ID SPI"));
        h.generic.push_back(std::move(e));
      }
      break;
    case CsIdMapType::kEmpty:
      break;
    default:
      return fail_at(Errc::kUnsupported, map_at, "HDR CS ID map type " + num(h.map_type) + " not supported");
  }
  return ok_status();
}

Result<Payload> decode_payload(ByteReader& r, std::uint8_t type, std::uint8_t& next,
                               std::optional<std::size_t>& mac_at) {
  std::size_t start = r.offset();
  std::string name(payload_name(type));
  switch (static_cast<PayloadType>(type)) {
    case PayloadType::kT: {
      PROSE_TRY(next, r.u8("T next payload"));
      TPayload t;
      std::size_t tt_at = r.offset();
      PROSE_TRY(t.ts_type, r.u8("T TS type"));
      if (t.ts_type == static_cast<std::uint8_t>(TsType::kCounter)) {
        PROSE_TRY(std::uint32_t c, r.u32("T TS value"));
        t.value = c;
      } else if (t.ts_type <= static_cast<std::uint8_t>(TsType::kNtp)) {
        PROSE_TRY(t.value, r.u64("T TS value"));
      } else {
        return fail_at(Errc::kUnsupported, tt_at, "T: unknown TS type " + num(t.ts_type));
      }
      return Payload{t};
    }
    case PayloadType::kRand: {
      PROSE_TRY(next, r.u8("RAND next payload"));
      std::size_t len_at = r.offset();
      PROSE_TRY(std::uint8_t len, r.u8("RAND length"));
      if (len == 0) return fail_at(Errc::kMalformed, len_at, "RAND: zero length");
      RandPayload p;
      PROSE_TRY(p.rand, r.copy(len, "RAND data"));
      return Payload{std::move(p)};
    }
    case PayloadType::kId: {
      PROSE_TRY(next, r.u8("ID next payload"));
      IdPayload p;
      PROSE_TRY(p.id_type, r.u8("ID type"));
      std::size_t len_at = r.offset();
      PROSE_TRY(std::uint16_t len, r.u16("ID length"));
      if (len == 0) return fail_at(Errc::kMalformed, len_at, "ID: zero length");
      PROSE_TRY(p.data, r.copy(len, "ID data"));
      return Payload{std::move(p)};
    }
    case PayloadType::kIdr: {
      PROSE_TRY(next, r.u8("IDR next payload"));
      IdrPayload p;
      std::size_t role_at = r.offset();
      PROSE_TRY(p.role, r.u8("IDR role"));
      if (p.role == 0 || p.role > static_cast<std::uint8_t>(IdRole::kKmsR))
        return fail_at(Errc::kMalformed, role_at, "IDR: invalid ID role " + num(p.role));
      PROSE_TRY(p.id_type, r.u8("IDR ID type"));
      std::size_t len_at = r.offset();
      PROSE_TRY(std::uint16_t len, r.u16("IDR length"));
      if (len == 0) return fail_at(Errc::kMalformed, len_at, "IDR: zero length");
      PROSE_TRY(p.data, r.copy(len, "IDR data"));
      return Payload{std::move(p)};
    }
    case PayloadType::kSp: {
      PROSE_TRY(next, r.u8("SP next payload"));
      SpPayload p;
      PROSE_TRY(p.policy_no, r.u8("SP policy no"));
      PROSE_TRY(p.prot_type, r.u8("SP prot type"));
      PROSE_TRY(ByteReader params, r.u16_prefixed("SP policy param length"));
      while (!params.empty()) {
        SpParam prm;
        PROSE_TRY(prm.type, params.u8("SP param type"));
        PROSE_TRY(std::uint8_t len, params.u8("SP param length"));
        PROSE_TRY(prm.value, params.copy(len, "SP param value"));
        p.params.push_back(std::move(prm));
      }
      return Payload{std::move(p)};
    }
    case PayloadType::kKemac: {
      PROSE_TRY(next, r.u8("KEMAC next payload"));
      KemacPayload p;
      PROSE_TRY(p.encr_alg, r.u8("KEMAC encr alg"));
      PROSE_TRY(std::uint16_t len, r.u16("KEMAC encr data length"));
      PROSE_TRY(p.encr_data, r.copy(len, "KEMAC encr data"));
      std::size_t alg_at = r.offset();
      PROSE_TRY(p.mac_alg, r.u8("KEMAC MAC alg"));
      int ml = mac_length(p.mac_alg);
      if (ml < 0) return fail_at(Errc::kUnsupported, alg_at, "KEMAC: unknown MAC alg " + num(p.mac_alg));
      mac_at = r.offset();
      PROSE_TRY(p.mac, r.copy(static_cast<std::size_t>(ml), "KEMAC MAC"));
      return Payload{std::move(p)};
    }
    case PayloadType::kV: {
      PROSE_TRY(next, r.u8("V next payload"));
      VPayload p;
      std::size_t alg_at = r.offset();
      PROSE_TRY(p.auth_alg, r.u8("V auth alg"));
      int ml = mac_length(p.auth_alg);
      if (ml < 0) return fail_at(Errc::kUnsupported, alg_at, "V: unknown auth alg " + num(p.auth_alg));
      mac_at = r.offset();
      PROSE_TRY(p.mac, r.copy(static_cast<std::size_t>(ml), "V MAC"));
      return Payload{std::move(p)};
    }
    case PayloadType::kErr: {
      PROSE_TRY(next, r.u8("ERR next payload"));
      ErrPayload p;
      PROSE_TRY(p.error_no, r.u8("ERR error no"));
      PROSE_TRY(p.reserved, r.u16("ERR reserved"));
      return Payload{p};
    }
    case PayloadType::kGeneralExt: {
      PROSE_TRY(next, r.u8("EXT next payload"));
      GeneralExtPayload p;
      PROSE_TRY(p.type, r.u8("EXT type"));
      PROSE_TRY(std::uint16_t len, r.u16("EXT length"));
      PROSE_TRY(p.data, r.copy(len, "EXT data"));
      return Payload{std::move(p)};
    }
    case PayloadType::kPke:
    case PayloadType::kDh:
    case PayloadType::kSign:
    case PayloadType::kCert:
    case PayloadType::kChash:
    case PayloadType::kTr:
    case PayloadType::kRandR:
    case PayloadType::kTp:
    case PayloadType::kTicket:
    case PayloadType::kSakke:
      return fail_at(Errc::kUnsupported, start, "payload " + name + " (" + num(type) + ") not supported");
    case PayloadType::kKeyData:
      return fail_at(Errc::kMalformed, start, "key data sub-payload outside KEMAC");
    case PayloadType::kLast:
      break;
  }
  return fail_at(Errc::kMalformed, start, "unknown payload type " + num(type));
}

}  // namespace

PayloadType payload_type(const Payload& p) { return type_of(p); }

Bytes TPayload::wire_value() const {
  ByteWriter w;
  if (ts_type == static_cast<std::uint8_t>(TsType::kCounter))
    w.u32(static_cast<std::uint32_t>(value));
  else
    w.u64(value);
  return w.take();
}

Result<Bytes> encode(const Message& m) {
  ByteWriter w(256);
  std::uint8_t first = m.payloads.empty() ? 0 : static_cast<std::uint8_t>(type_of(m.payloads.front()));
  PROSE_TRY_STATUS(encode_hdr(w, m.hdr, first));
  for (std::size_t i = 0; i < m.payloads.size(); ++i) {
    std::uint8_t next = i + 1 < m.payloads.size() ? static_cast<std::uint8_t>(type_of(m.payloads[i + 1])) : 0;
    PROSE_TRY_STATUS(encode_payload(w, m.payloads[i], next));
  }
  return w.take();
}

Result<Decoded> decode(ByteView data) {
  ByteReader r(data);
  Decoded d;
  std::uint8_t next = 0;
  PROSE_TRY_STATUS(decode_hdr(r, d.msg.hdr, next));
  // Every payload consumes at least two octets, so the loop ends with the input.
  while (next != static_cast<std::uint8_t>(PayloadType::kLast)) {
    if (r.empty())
      return fail_at(Errc::kTruncated, r.offset(),
                     "payload " + std::string(payload_name(next)) + " announced but the message ends");
    d.offsets.push_back(r.offset());
    std::uint8_t following = 0;
    std::optional<std::size_t> mac_at;
    PROSE_TRY(Payload p, decode_payload(r, next, following, mac_at));
    d.mac_offset = following == 0 ? mac_at : std::nullopt;
    d.msg.payloads.push_back(std::move(p));
    next = following;
  }
  PROSE_TRY_STATUS(r.expect_end("MIKEY message"));
  return d;
}

Result<SecretBytes> encode_key_data(const std::vector<KeyData>& kds) {
  ByteWriter w(64);
  for (std::size_t i = 0; i < kds.size(); ++i) {
    const KeyData& k = kds[i];
    if (k.type > 0x0f || k.kv > 0x0f) return fail(Errc::kInvalidArgument, "key data: type/KV out of range");
    w.u8(i + 1 < kds.size() ? static_cast<std::uint8_t>(PayloadType::kKeyData) : 0);
    w.u8(static_cast<std::uint8_t>(k.type << 4 | k.kv));
    PROSE_TRY_STATUS(check_fits(k.key.size(), 0xffff, "key data"));
    w.u16(static_cast<std::uint16_t>(k.key.size())).bytes(k.key.view());
    bool salted = k.type == static_cast<std::uint8_t>(KeyDataType::kTgkSalt) ||
                  k.type == static_cast<std::uint8_t>(KeyDataType::kTekSalt);
    if (salted) {
      PROSE_TRY_STATUS(check_fits(k.salt.size(), 0xffff, "salt"));
      w.u16(static_cast<std::uint16_t>(k.salt.size())).bytes(k.salt.view());
    } else if (!k.salt.empty()) {
      return fail(Errc::kInvalidArgument, "key data: salt given for a type without salt");
    }
    switch (static_cast<KvType>(k.kv)) {
      case KvType::kNull:
        break;
      case KvType::kSpi:
        PROSE_TRY_STATUS(check_fits(k.spi.size(), 0xff, "SPI"));
        w.u8(static_cast<std::uint8_t>(k.spi.size())).bytes(k.spi);
        break;
      case KvType::kInterval:
        PROSE_TRY_STATUS(check_fits(k.valid_from.size(), 0xff, "valid from"));
        PROSE_TRY_STATUS(check_fits(k.valid_to.size(), 0xff, "valid to"));
        w.u8(static_cast<std::uint8_t>(k.valid_from.size())).bytes(k.valid_from);
        w.u8(static_cast<std::uint8_t>(k.valid_to.size())).bytes(k.valid_to);
        break;
      default:
        return fail(Errc::kInvalidArgument, "key data: unknown KV type " + num(k.kv));
    }
  }
  Bytes out = w.take();
  return SecretBytes::adopt(out);
}

Result<std::vector<KeyData>> decode_key_data(ByteView plain, std::size_t base_offset) {
  ByteReader r(plain, base_offset);
  std::vector<KeyData> out;
  std::uint8_t next = static_cast<std::uint8_t>(PayloadType::kKeyData);
  if (plain.empty()) return fail_at(Errc::kMalformed, base_offset, "KEMAC carries no key data");
  while (next != 0) {
    std::size_t start = r.offset();
    if (next != static_cast<std::uint8_t>(PayloadType::kKeyData))
      return fail_at(Errc::kMalformed, start, "key data chain announces payload type " + num(next));
    if (r.empty()) return fail_at(Errc::kTruncated, start, "key data sub-payload announced but data ends");
    KeyData k;
    PROSE_TRY(next, r.u8("key data next payload"));
    std::size_t tk_at = r.offset();
    PROSE_TRY(std::uint8_t tk, r.u8("key data type/KV"));
    k.type = tk >> 4;
    k.kv = tk & 0x0f;
    if (k.type > static_cast<std::uint8_t>(KeyDataType::kTekSalt))
      return fail_at(Errc::kUnsupported, tk_at, "key data: unknown type " + num(k.type));
    std::size_t len_at = r.offset();
    PROSE_TRY(std::uint16_t klen, r.u16("key data length"));
    if (klen == 0) return fail_at(Errc::kMalformed, len_at, "key data: zero length");
    PROSE_TRY(ByteView key, r.bytes(klen, "key data"));
    k.key = SecretBytes(key);
    if (k.type == static_cast<std::uint8_t>(KeyDataType::kTgkSalt) ||
        k.type == static_cast<std::uint8_t>(KeyDataType::kTekSalt)) {
      PROSE_TRY(std::uint16_t slen, r.u16("salt length"));
      PROSE_TRY(ByteView salt, r.bytes(slen, "salt"));
      k.salt = SecretBytes(salt);
    }
    switch (static_cast<KvType>(k.kv)) {
      case KvType::kNull:
        break;
      case KvType::kSpi: {
        PROSE_TRY(std::uint8_t n, r.u8("SPI length"));
        PROSE_TRY(k.spi, r.copy(n, "SPI"));
        break;
      }
      case KvType::kInterval: {
        PROSE_TRY(std::uint8_t n1, r.u8("valid from length"));
        PROSE_TRY(k.valid_from, r.copy(n1, "valid from"));
        PROSE_TRY(std::uint8_t n2, r.u8("valid to length"));
        PROSE_TRY(k.valid_to, r.copy(n2, "valid to"));
        break;
      }
      default:
        return fail_at(Errc::kUnsupported, tk_at, "key data: unknown KV type " + num(k.kv));
    }
    out.push_back(std::move(k));
  }
  PROSE_TRY_STATUS(r.expect_end("key data"));
  return out;
}

}  // namespace prose::mikey

namespace prose::mikey {

Result<std::uint32_t> csb_id_of(ByteView message) {
  PROSE_TRY(Decoded d, decode(message));
  return d.msg.hdr.csb_id;
}

}  // namespace prose::mikey
