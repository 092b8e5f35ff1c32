#include "prose/pdcp/pdcp.h"

#include <algorithm>
#include <string>

#include "prose/util/byte_reader.h"
#include "prose/util/ct.h"
#include "prose/util/secret.h"

namespace prose::pdcp {

namespace {

constexpr unsigned kSduTypeShift = 5;

Status check_params(const PduParams& p) {
  if (p.bearer > kMaxBearer) return fail(Errc::kInvalidArgument, "BEARER must be 0..31");
  if (p.direction > 1) return fail(Errc::kInvalidArgument, "DIRECTION must be 0 or 1");
  return ok_status();
}

cipher::EpsParams eps(const PduParams& p) { return cipher::EpsParams{p.count, p.bearer, p.direction}; }

void store_be32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

}  // namespace

Result<std::uint8_t> bearer_for_lcid(std::uint8_t lcid) {
  if (lcid >= 28 && lcid <= 30) return kSignallingBearer;
  if (lcid >= 1 && lcid <= 10) return static_cast<std::uint8_t>(lcid - 1);
  return fail(Errc::kInvalidArgument, "LCID " + std::to_string(lcid) + " carries no sidelink PDCP bearer");
}

Result<Header> decode_header(ByteView pdu) {
  ByteReader r(pdu);
  PROSE_TRY(std::uint8_t first, r.u8("PDCP header"));
  const std::uint8_t type = first >> kSduTypeShift;
  if (type > kMaxSduType) {
    return fail_at(Errc::kMalformed, 0, "PDCP header: reserved SDU type " + std::to_string(type));
  }
  Header h;
  h.sdu_type = static_cast<SduType>(type);
  h.reserved = first & kReservedBitsMask;
  PROSE_TRY(h.kd_sess_id.value, r.u16("PDCP header KD-sess ID"));
  PROSE_TRY(h.sn, r.u16("PDCP SN"));
  return h;
}

void encode_header(ByteWriter& w, const Header& h) {
  w.u8(static_cast<std::uint8_t>((static_cast<unsigned>(h.sdu_type) << kSduTypeShift) |
                                 (h.reserved & kReservedBitsMask)));
  w.u16(h.kd_sess_id.value).u16(h.sn);
}

Status protect_pdu_into(cipher::Backend& be, const KeyView& keys, ProtectionMode mode, SduType sdu_type,
                        ids::KdSessId kd_sess_id, const PduParams& p, ByteView sdu, Bytes& out) {
  PROSE_TRY_STATUS(check_params(p));
  if (static_cast<std::uint8_t>(sdu_type) > kMaxSduType) return fail(Errc::kInvalidArgument, "reserved SDU type");
  ByteWriter w = ByteWriter::reusing(std::move(out));
  encode_header(w, Header{sdu_type, 0, kd_sess_id, static_cast<std::uint16_t>(p.count & kSnMask)});
  const bool cipher_now = mode.ciphering && !sdu.empty();
  if (!mode.integrity && cipher_now) {
    // User plane: encipher straight from the SDU into the PDU (no intermediate copy).
    out = w.take();
    out.resize(kHeaderSize + sdu.size());
    MutableByteView data(out.data() + kHeaderSize, sdu.size());
    auto st = be.eea(keys.eea, keys.pek, eps(p), sdu, sdu.size() * 8, data);
    if (!st.ok()) out.clear();
    return st;
  }
  // Signalling: MAC-I over header || plaintext first, then the data part ciphered in place.
  w.bytes(sdu);
  if (mode.integrity) w.u32(0);  // MAC-I placeholder, filled below
  out = w.take();
  const std::size_t covered = kHeaderSize + sdu.size();
  if (mode.integrity) {
    auto mac = be.eia(keys.eia, keys.pik, eps(p), ByteView(out.data(), covered), covered * 8);
    if (!mac.ok()) {
      secure_wipe(out.data(), out.size());
      out.clear();
      return fail(mac.error());
    }
    store_be32(out.data() + covered, *mac);
  }
  if (cipher_now) {
    MutableByteView data(out.data() + kHeaderSize, sdu.size());
    auto st = be.eea(keys.eea, keys.pek, eps(p), data, sdu.size() * 8, data);
    if (!st.ok()) {
      secure_wipe(out.data(), out.size());
      out.clear();
      return st;
    }
  }
  return ok_status();
}

Result<Bytes> protect_pdu(cipher::Backend& be, const KeyView& keys, ProtectionMode mode, SduType sdu_type,
                          ids::KdSessId kd_sess_id, const PduParams& p, ByteView sdu) {
  Bytes out;
  out.reserve(kHeaderSize + sdu.size() + kMacISize);
  PROSE_TRY_STATUS(protect_pdu_into(be, keys, mode, sdu_type, kd_sess_id, p, sdu, out));
  return out;
}

namespace {

Status unprotect_body(cipher::Backend& be, const KeyView& keys, ProtectionMode mode, const PduParams& p, ByteView pdu,
                      Bytes& sdu_out) {
  const std::size_t trailer = mode.integrity ? kMacISize : 0;
  if (pdu.size() < kHeaderSize + trailer) {
    return fail_at(Errc::kTruncated, pdu.size(), "PDCP PDU too short for the MAC-I");
  }
  const std::size_t data_len = pdu.size() - kHeaderSize - trailer;
  const ByteView ciphertext = pdu.subspan(kHeaderSize, data_len);
  if (!mode.integrity) {
    // User plane: decipher straight from the PDU into the SDU buffer (no allocation once it has grown).
    sdu_out.resize(data_len);
    if (mode.ciphering && data_len > 0) {
      return be.eea(keys.eea, keys.pek, eps(p), ciphertext, data_len * 8, sdu_out);
    }
    std::copy(ciphertext.begin(), ciphertext.end(), sdu_out.begin());
    return ok_status();
  }
  // Signalling: work buffer = header || plaintext so the MAC-I can be checked over both.
  sdu_out.resize(kHeaderSize + data_len);
  std::copy_n(pdu.begin(), kHeaderSize, sdu_out.begin());
  MutableByteView plain(sdu_out.data() + kHeaderSize, data_len);
  if (mode.ciphering && data_len > 0) {
    PROSE_TRY_STATUS(be.eea(keys.eea, keys.pek, eps(p), ciphertext, data_len * 8, plain));
  } else {
    std::copy(ciphertext.begin(), ciphertext.end(), plain.begin());
  }
  ByteReader mr(pdu.subspan(kHeaderSize + data_len), kHeaderSize + data_len);
  PROSE_TRY(std::uint32_t mac_i, mr.u32("MAC-I"));
  PROSE_TRY(std::uint32_t x_mac, be.eia(keys.eia, keys.pik, eps(p), sdu_out, sdu_out.size() * 8));
  std::uint8_t a[4], b[4];
  store_be32(a, mac_i);
  store_be32(b, x_mac);
  if (!ct_equal(ByteView(a, 4), ByteView(b, 4))) {
    return fail_at(Errc::kAuthFailed, kHeaderSize + data_len, "MAC-I check failed");
  }
  sdu_out.erase(sdu_out.begin(), sdu_out.begin() + kHeaderSize);
  return ok_status();
}

}  // namespace

Result<PduInfo> unprotect_pdu_into(cipher::Backend& be, const KeyView& keys, ProtectionMode mode, const PduParams& p,
                                   ByteView pdu, Bytes& sdu_out) {
  PROSE_TRY_STATUS(check_params(p));
  // The R bits are not checked (36.323 6.3.6); the MAC-I below is computed over the header as received.
  PROSE_TRY(Header h, decode_header(pdu));
  if (h.sn != (p.count & kSnMask)) return fail_at(Errc::kMalformed, 3, "PDCP SN does not match COUNT");
  auto st = unprotect_body(be, keys, mode, p, pdu, sdu_out);
  if (!st.ok()) {
    // Never hand out plaintext of a PDU that failed.
    secure_wipe(sdu_out.data(), sdu_out.size());
    sdu_out.clear();
    return fail(st.error());
  }
  return PduInfo{h, p.count};
}

Result<UnprotectedPdu> unprotect_pdu(cipher::Backend& be, const KeyView& keys, ProtectionMode mode, const PduParams& p,
                                     ByteView pdu) {
  Bytes sdu;
  PROSE_TRY(PduInfo info, unprotect_pdu_into(be, keys, mode, p, pdu, sdu));
  return UnprotectedPdu{info.header, info.count, std::move(sdu)};
}

Bytes encode_unprotected(SduType sdu_type, std::uint16_t sn, ByteView sdu) {
  ByteWriter w(kHeaderSize + sdu.size());
  encode_header(w, Header{sdu_type, 0, kUnprotectedKdSessId, sn});
  w.bytes(sdu);
  return w.take();
}

Result<UnprotectedPdu> decode_unprotected(ByteView pdu) {
  PROSE_TRY(Header h, decode_header(pdu));
  if (!is_unprotected(h)) return fail_at(Errc::kMalformed, 1, "expected an unprotected PDU (KD-sess ID 0)");
  ByteView data = pdu.subspan(kHeaderSize);
  return UnprotectedPdu{h, h.sn, Bytes(data.begin(), data.end())};
}

}  // namespace prose::pdcp
