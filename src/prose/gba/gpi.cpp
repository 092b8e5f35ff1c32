#include "prose/gba/gpi.h"

#include <array>
#include <cstdio>
#include <string>

#include "prose/util/byte_reader.h"
#include "prose/util/byte_writer.h"

namespace prose::gba {
namespace {

// The provisional GPI field table (docs/profile.md section 6; docs/conformance/gba.md). One row per TLV, in the
// order they must appear.
struct FieldRule {
  GpiTag tag;
  const char* name;
  std::size_t min_len;
  std::size_t max_len;
  bool mandatory;
};
constexpr std::array<FieldRule, 8> kGpiFields = {{
    {GpiTag::kPTid, "P-TID", kPTidSize, kPTidSize, true},
    {GpiTag::kRand, "RAND", 16, 16, true},
    {GpiTag::kAutn, "AUTN", 16, 16, true},
    {GpiTag::kAppLbl, "App_Lbl", 1, kMaxAppLblSize, false},
    {GpiTag::kNafId, "NAF_Id", kMinNafIdSize, kMaxNafIdSize, true},
    {GpiTag::kKeyLifetime, "key lifetime", 4, 4, true},
    {GpiTag::kKeyType, "NAF key type", 1, 1, true},
    {GpiTag::kMac, "MAC", kGpiMacSize, kGpiMacSize, true},
}};

const FieldRule* rule_for(std::uint8_t tag) {
  for (const auto& r : kGpiFields) {
    if (static_cast<std::uint8_t>(r.tag) == tag) return &r;
  }
  return nullptr;
}

Status check_len(const FieldRule& r, std::size_t n) {
  if (n < r.min_len || n > r.max_len) {
    std::string want = r.min_len == r.max_len ? std::to_string(r.min_len)
                                              : std::to_string(r.min_len) + ".." + std::to_string(r.max_len);
    return fail(Errc::kInvalidArgument,
                std::string("GPI ") + r.name + " must be " + want + " octets, got " + std::to_string(n));
  }
  return ok_status();
}

void tlv(ByteWriter& w, GpiTag tag, ByteView v) {
  w.u8(static_cast<std::uint8_t>(tag)).u16(static_cast<std::uint16_t>(v.size())).bytes(v);
}

Bytes be(std::uint64_t v, std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * (n - 1 - i)));
  return b;
}

}  // namespace

std::string gpi_tag_name(std::uint8_t tag) {
  const FieldRule* r = rule_for(tag);
  if (r != nullptr) return r->name;
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", tag);
  return std::string("unknown tag ") + buf;
}

Result<Bytes> encode_gpi_signed_part(const Gpi& g) {
  if (g.version != kGpiVersion) {
    return fail(Errc::kInvalidArgument, "GPI version " + std::to_string(g.version) + " is not supported");
  }
  if (g.p_tid == 0) return fail(Errc::kInvalidArgument, "GPI P-TID (PRUK ID) must not be all-zero");
  if (g.key_lifetime == 0) return fail(Errc::kInvalidArgument, "GPI key lifetime must not be zero");
  if (g.key_type != NafKeyType::kMe && g.key_type != NafKeyType::kUicc) {
    return fail(Errc::kInvalidArgument, "GPI NAF key type must be 0 (ME) or 1 (UICC)");
  }
  PROSE_TRY_STATUS(check_len(kGpiFields[1], g.rand.size()));
  PROSE_TRY_STATUS(check_len(kGpiFields[2], g.autn.size()));
  if (!g.app_lbl.empty()) PROSE_TRY_STATUS(check_len(kGpiFields[3], g.app_lbl.size()));
  PROSE_TRY_STATUS(check_len(kGpiFields[4], g.naf_id.size()));
  ByteWriter w(128 + g.naf_id.size() + g.app_lbl.size());
  w.u8(g.version);
  tlv(w, GpiTag::kPTid, be(g.p_tid, kPTidSize));
  tlv(w, GpiTag::kRand, g.rand);
  tlv(w, GpiTag::kAutn, g.autn);
  if (!g.app_lbl.empty()) tlv(w, GpiTag::kAppLbl, g.app_lbl);
  tlv(w, GpiTag::kNafId, g.naf_id);
  tlv(w, GpiTag::kKeyLifetime, be(g.key_lifetime, 4));
  const auto kt = static_cast<std::uint8_t>(g.key_type);
  tlv(w, GpiTag::kKeyType, ByteView(&kt, 1));
  return w.take();
}

Result<Bytes> encode_gpi(const Gpi& g) {
  PROSE_TRY_STATUS(check_len(kGpiFields[7], g.mac.size()));
  PROSE_TRY(Bytes out, encode_gpi_signed_part(g));
  ByteWriter w;
  w.bytes(out);
  tlv(w, GpiTag::kMac, g.mac);
  return w.take();
}

Result<DecodedGpi> decode_gpi(ByteView data) {
  ByteReader r(data);
  DecodedGpi d;
  PROSE_TRY(d.gpi.version, r.u8("GPI version"));
  if (d.gpi.version != kGpiVersion) {
    return fail_at(Errc::kUnsupported, 0, "GPI version " + std::to_string(d.gpi.version) + " is not supported");
  }
  std::size_t next_rule = 0;  // index into kGpiFields of the first tag still allowed
  bool seen_mac = false;
  while (!r.empty()) {
    const std::size_t tlv_offset = r.offset();
    if (seen_mac) return fail_at(Errc::kMalformed, tlv_offset, "GPI has octets after the MAC");
    PROSE_TRY(std::uint8_t tag, r.u8("GPI tag"));
    const FieldRule* rule = rule_for(tag);
    if (rule == nullptr) return fail_at(Errc::kUnsupported, tlv_offset, "GPI " + gpi_tag_name(tag));
    const std::size_t idx = static_cast<std::size_t>(rule - kGpiFields.data());
    if (idx < next_rule) {
      return fail_at(Errc::kMalformed, tlv_offset, std::string("GPI ") + rule->name + " is repeated or out of order");
    }
    for (std::size_t i = next_rule; i < idx; ++i) {
      if (kGpiFields[i].mandatory) {
        return fail_at(Errc::kMalformed, tlv_offset, std::string("GPI ") + kGpiFields[i].name + " is missing");
      }
    }
    next_rule = idx + 1;
    PROSE_TRY(std::uint16_t len, r.u16("GPI length"));
    if (len < rule->min_len || len > rule->max_len) {
      return fail_at(Errc::kMalformed, tlv_offset,
                     std::string("GPI ") + rule->name + " has length " + std::to_string(len));
    }
    PROSE_TRY(ByteView v, r.bytes(len, rule->name));
    switch (rule->tag) {
      case GpiTag::kPTid: {
        std::uint64_t x = 0;
        for (auto b : v) x = (x << 8) | b;
        if (x == 0) return fail_at(Errc::kMalformed, tlv_offset, "GPI P-TID is all-zero");
        d.gpi.p_tid = x;
        break;
      }
      case GpiTag::kRand:
        d.gpi.rand.assign(v.begin(), v.end());
        break;
      case GpiTag::kAutn:
        d.gpi.autn.assign(v.begin(), v.end());
        break;
      case GpiTag::kAppLbl:
        d.gpi.app_lbl.assign(v.begin(), v.end());
        break;
      case GpiTag::kNafId:
        d.gpi.naf_id.assign(v.begin(), v.end());
        break;
      case GpiTag::kKeyLifetime: {
        std::uint32_t x = 0;
        for (auto b : v) x = (x << 8) | b;
        if (x == 0) return fail_at(Errc::kMalformed, tlv_offset, "GPI key lifetime is zero");
        d.gpi.key_lifetime = x;
        break;
      }
      case GpiTag::kKeyType:
        if (v[0] > static_cast<std::uint8_t>(NafKeyType::kUicc)) {
          return fail_at(Errc::kMalformed, tlv_offset, "GPI NAF key type " + std::to_string(v[0]) + " is unknown");
        }
        d.gpi.key_type = static_cast<NafKeyType>(v[0]);
        break;
      case GpiTag::kMac:
        d.signed_length = tlv_offset;
        d.gpi.mac.assign(v.begin(), v.end());
        seen_mac = true;
        break;
    }
  }
  if (!seen_mac) {
    for (std::size_t i = next_rule; i < kGpiFields.size(); ++i) {
      if (kGpiFields[i].mandatory) {
        return fail_at(Errc::kTruncated, r.offset(), std::string("GPI ") + kGpiFields[i].name + " is missing");
      }
    }
  }
  return d;
}

}  // namespace prose::gba
