#include "prose/mikey/delivery.h"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "prose/mikey/keys.h"
#include "prose/util/byte_writer.h"
#include "prose/util/ct.h"
#include "prose/util/hex.h"
#include "prose/util/random.h"

namespace prose::mikey {
namespace {

constexpr std::size_t kMaxPmkIdLen = 64;
constexpr std::size_t kKeyIdHexLen = 2 * kKeyIdLen;
constexpr std::size_t kKeyTypeIdHexLen = 2 * kKeyTypeIdLen;

std::string as_string(ByteView b) { return std::string(b.begin(), b.end()); }
Bytes as_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes ntp_wire(NtpTime t) {
  ByteWriter w(8);
  w.u64(t);
  return w.take();
}

std::optional<NtpTime> ntp_from_wire(ByteView b) {
  if (b.size() != 8) return std::nullopt;
  NtpTime t = 0;
  for (auto x : b) t = t << 8 | x;
  return t;
}

// Signed difference a - b in whole seconds of two NTP timestamps (modular, valid for |a - b| < 68 years).
std::int64_t ntp_diff_seconds(NtpTime a, NtpTime b) {
  auto d = static_cast<std::int64_t>(a - b);
  return d / (std::int64_t{1} << 32);
}

struct Identities {
  const Bytes* idi = nullptr;
  const Bytes* idr = nullptr;
  bool idr_payloads = false;
};

Result<Identities> find_identities(const Message& m, std::size_t end_offset) {
  Identities ids;
  std::vector<const IdPayload*> plain;
  for (const auto& p : m.payloads) {
    if (const auto* r = std::get_if<IdrPayload>(&p)) {
      ids.idr_payloads = true;
      const Bytes** slot = r->role == static_cast<std::uint8_t>(IdRole::kInitiator)   ? &ids.idi
                           : r->role == static_cast<std::uint8_t>(IdRole::kResponder) ? &ids.idr
                                                                                      : nullptr;
      if (slot == nullptr) continue;
      if (*slot != nullptr) return fail_at(Errc::kMalformed, end_offset, "two IDR payloads with the same role");
      *slot = &r->data;
    } else if (const auto* i = std::get_if<IdPayload>(&p)) {
      plain.push_back(i);
    }
  }
  if (!ids.idr_payloads) {
    if (plain.size() > 2) return fail_at(Errc::kMalformed, end_offset, "more than two ID payloads");
    if (!plain.empty()) ids.idi = &plain[0]->data;
    if (plain.size() == 2) ids.idr = &plain[1]->data;
  } else if (!plain.empty()) {
    return fail_at(Errc::kMalformed, end_offset, "both ID and IDR payloads");
  }
  if (ids.idi == nullptr) return fail_at(Errc::kMalformed, end_offset, "I_MESSAGE without initiator identity (IDi)");
  if (ids.idr == nullptr) return fail_at(Errc::kMalformed, end_offset, "I_MESSAGE without responder identity (IDr)");
  return ids;
}

template <typename T>
Result<const T*> exactly_one(const Message& m, std::size_t end_offset, const char* name) {
  const T* found = nullptr;
  for (const auto& p : m.payloads) {
    if (const T* x = std::get_if<T>(&p)) {
      if (found != nullptr) return fail_at(Errc::kMalformed, end_offset, std::string("two ") + name + " payloads");
      found = x;
    }
  }
  if (found == nullptr) return fail_at(Errc::kMalformed, end_offset, std::string("no ") + name + " payload");
  return found;
}

Status check_t_type(const TPayload& t) {
  if (t.ts_type != static_cast<std::uint8_t>(TsType::kNtpUtc) && t.ts_type != static_cast<std::uint8_t>(TsType::kNtp))
    return fail(Errc::kUnsupported, "timestamp type " + std::string(ts_type_name(t.ts_type)) + " not accepted");
  return ok_status();
}

bool is_hex_string(std::string_view s) {
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// The profile's algorithms (PRF-HMAC-SHA-256, HMAC-SHA-256-256); the RFC 3830 defaults (MIKEY-1, HMAC-SHA-1-160)
// only when the receiver is configured to accept them: no silent downgrade.
Status check_algorithms(const Decoded& d, const KemacPayload& kemac, bool accept_rfc3830_defaults) {
  constexpr std::size_t kPrfOffset = 3;  // HDR: version, data type, next payload, V | PRF func
  const auto prf = d.msg.hdr.prf_func;
  const auto mac = kemac.mac_alg;
  const char* how = " (accept it only with accept_rfc3830_defaults)";
  if (prf == static_cast<std::uint8_t>(PrfFunc::kMikey1) && !accept_rfc3830_defaults)
    return fail_at(Errc::kUnsupported, kPrfOffset,
                   std::string("PRF func MIKEY-1 (the RFC 3830 default) refused: the profile requires "
                               "PRF-HMAC-SHA-256") +
                       how);
  if (mac == static_cast<std::uint8_t>(MacAlg::kHmacSha1_160) && !accept_rfc3830_defaults)
    return fail_at(Errc::kUnsupported, *d.mac_offset - 1,
                   std::string("KEMAC MAC alg HMAC-SHA-1-160 (the RFC 3830 default) refused: the profile requires "
                               "HMAC-SHA-256-256") +
                       how);
  return ok_status();
}

// Key validity (profile section 4): KV Null, or KV interval with Valid From = T and Valid To = T + lifetime, both
// 8-octet NTP timestamps, lifetime at least 1 s. Valid To - Valid From is taken modulo 2^64 (NTP wraps, RFC 3830
// 4.2.8), so any 32-bit lifetime in seconds is representable.
Status check_key_validity(const KeyData& kd, NtpTime t, std::size_t at) {
  if (kd.kv == static_cast<std::uint8_t>(KvType::kNull)) return ok_status();
  if (kd.kv != static_cast<std::uint8_t>(KvType::kInterval))
    return fail_at(Errc::kUnsupported, at, "key validity type " + std::string(kv_type_name(kd.kv)));
  auto from = ntp_from_wire(kd.valid_from);
  auto to = ntp_from_wire(kd.valid_to);
  if (!from || !to)
    return fail_at(Errc::kMalformed, at,
                   "key validity interval is not two 8-octet NTP timestamps (VF " +
                       std::to_string(kd.valid_from.size()) + ", VT " + std::to_string(kd.valid_to.size()) +
                       " octets)");
  if (*from != t) return fail_at(Errc::kMalformed, at, "key validity: Valid From differs from the timestamp T");
  if (*to - *from < (NtpTime{1} << 32))
    return fail_at(Errc::kMalformed, at, "key validity: Valid To is not at least 1 s after Valid From");
  return ok_status();
}

}  // namespace

NtpTime ntp_from_unix(std::int64_t unix_seconds) {
  return static_cast<NtpTime>(static_cast<std::uint64_t>(unix_seconds) + kNtpUnixOffset) << 32;
}
std::int64_t unix_from_ntp(NtpTime t) {
  return static_cast<std::int64_t>((t >> 32)) - static_cast<std::int64_t>(kNtpUnixOffset);
}
NtpTime ntp_now() {
  auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto secs = ns / 1000000000;
  auto frac = static_cast<std::uint64_t>(ns % 1000000000) * (std::uint64_t{1} << 32) / 1000000000;
  return ntp_from_unix(secs) | frac;
}

std::string_view key_class_name(KeyClass c) { return c == KeyClass::kPruk ? "PRUK" : "PGK"; }

std::string make_idi(ByteView key_type_id, std::uint64_t key_id, std::string_view fqdn) {
  ByteWriter w(8);
  w.u64(key_id);
  return to_hex(key_type_id) + to_hex(w.data()) + "@" + std::string(fqdn);
}

std::string make_idr(ByteView pmk_id, std::string_view ue_id) { return to_hex(pmk_id) + "@" + std::string(ue_id); }

Result<ParsedIdi> parse_idi(ByteView data) {
  std::string s = as_string(data);
  auto at = s.find('@');
  if (at == std::string::npos) return fail(Errc::kMalformed, "IDi: no '@' in \"" + s + "\"");
  std::string user = s.substr(0, at);
  ParsedIdi p;
  p.fqdn = s.substr(at + 1);
  if (p.fqdn.empty()) return fail(Errc::kMalformed, "IDi: empty PKMF FQDN");
  if (user.size() != kKeyTypeIdHexLen + kKeyIdHexLen || !is_hex_string(user))
    return fail(Errc::kMalformed, "IDi: user part must be hex(32-bit Key Type ID) || hex(64-bit key ID), " +
                                      std::to_string(kKeyTypeIdHexLen + kKeyIdHexLen) + " hex digits; got \"" + user +
                                      "\"");
  PROSE_TRY(p.key_type_id, from_hex(user.substr(0, kKeyTypeIdHexLen), "IDi Key Type ID"));
  PROSE_TRY(Bytes id, from_hex(user.substr(kKeyTypeIdHexLen), "IDi key ID"));
  for (auto b : id) p.key_id = p.key_id << 8 | b;
  return p;
}

Result<ParsedIdr> parse_idr(ByteView data) {
  std::string s = as_string(data);
  auto at = s.find('@');
  if (at == std::string::npos) return fail(Errc::kMalformed, "IDr: no '@' separating the PMK ID");
  auto id = from_hex(s.substr(0, at), "IDr PMK ID");
  if (!id.ok() || id->empty()) return fail(Errc::kMalformed, "IDr: PMK ID is not hex");
  ParsedIdr p;
  p.pmk_id = std::move(*id);
  p.ue_id = s.substr(at + 1);
  if (p.ue_id.empty()) return fail(Errc::kMalformed, "IDr: empty UE identity");
  return p;
}

Bytes v_mac_input(ByteView r_message_before_mac, ByteView idi, ByteView idr, NtpTime t) {
  Bytes tw = ntp_wire(t);
  return concat({r_message_before_mac, idi, idr, ByteView(tw)});
}

// ---- PKMF side ------------------------------------------------------------------------------------------------

Result<BuiltDelivery> build_delivery(const DeliveryParams& p, const Profile& profile, NtpTime now) {
  if (p.pmk.empty()) return fail(Errc::kInvalidArgument, "PMK is empty");
  if (p.pmk_id.empty() || p.pmk_id.size() > kMaxPmkIdLen)
    return fail(Errc::kInvalidArgument, "PMK ID must be 1.." + std::to_string(kMaxPmkIdLen) + " octets");
  if (p.key_type_id.size() != kKeyTypeIdLen)
    return fail(Errc::kInvalidArgument, "Key Type ID must be " + std::to_string(kKeyTypeIdLen) + " octets (" +
                                            std::to_string(kKeyTypeIdHexLen) + " hex digits in IDi), got " +
                                            std::to_string(p.key_type_id.size()));
  if (p.key.empty() || p.key.size() > 0xffff) return fail(Errc::kInvalidArgument, "key must be 1..65535 octets");
  if (p.pkmf_fqdn.empty() || p.pkmf_fqdn.find('@') != std::string::npos)
    return fail(Errc::kInvalidArgument, "PKMF FQDN must be non-empty and contain no '@'");
  if (p.ue_id.empty()) return fail(Errc::kInvalidArgument, "UE identity is empty");
  if (profile.encr_alg == static_cast<std::uint8_t>(EncrAlg::kNull))
    return fail(Errc::kInvalidArgument, "refusing to send a key with NULL encryption");
  if (profile.mac_alg == static_cast<std::uint8_t>(MacAlg::kNull))
    return fail(Errc::kInvalidArgument, "refusing to send a key with a NULL MAC");

  BuiltDelivery out;
  out.csb_id = p.csb_id.value_or(random_u32());
  out.rand = p.rand.value_or(random_bytes(profile.rand_len));
  if (out.rand.size() < kMinRandLen || out.rand.size() > 0xff)
    return fail(Errc::kInvalidArgument, "RAND must be 16..255 octets");
  out.t = now;
  out.idi = make_idi(p.key_type_id, p.key_id, p.pkmf_fqdn);
  out.idr = make_idr(p.pmk_id, p.ue_id);

  std::vector<KeyData> kd(1);
  kd[0].type = static_cast<std::uint8_t>(KeyDataType::kTgk);
  kd[0].key = p.key.clone();
  if (p.lifetime > 0) {  // profile section 4: Valid From = T, Valid To = T + lifetime
    kd[0].kv = static_cast<std::uint8_t>(KvType::kInterval);
    kd[0].valid_from = ntp_wire(out.t);
    kd[0].valid_to = ntp_wire(out.t + (static_cast<NtpTime>(p.lifetime) << 32));
  }
  PROSE_TRY(SecretBytes plain, encode_key_data(kd));
  PROSE_TRY(TransportKeys keys, derive_transport_keys(profile.prf_func, p.pmk.view(), out.csb_id, out.rand,
                                                      profile.encr_alg, profile.mac_alg));

  Message m;
  m.hdr.data_type = static_cast<std::uint8_t>(DataType::kPskInit);
  m.hdr.v = p.verify;
  m.hdr.prf_func = profile.prf_func;
  m.hdr.csb_id = out.csb_id;
  m.hdr.cs_count = 0;
  m.hdr.map_type = static_cast<std::uint8_t>(CsIdMapType::kGenericId);
  TPayload t{static_cast<std::uint8_t>(TsType::kNtpUtc), out.t};
  m.payloads.push_back(t);
  m.payloads.push_back(RandPayload{out.rand});
  if (profile.use_idr) {
    m.payloads.push_back(IdrPayload{static_cast<std::uint8_t>(IdRole::kInitiator),
                                    static_cast<std::uint8_t>(IdType::kNai), as_bytes(out.idi)});
    m.payloads.push_back(IdrPayload{static_cast<std::uint8_t>(IdRole::kResponder),
                                    static_cast<std::uint8_t>(IdType::kNai), as_bytes(out.idr)});
  } else {
    m.payloads.push_back(IdPayload{static_cast<std::uint8_t>(IdType::kNai), as_bytes(out.idi)});
    m.payloads.push_back(IdPayload{static_cast<std::uint8_t>(IdType::kNai), as_bytes(out.idr)});
  }
  for (const auto& x : p.extensions) m.payloads.push_back(x);

  KemacPayload kemac;
  kemac.encr_alg = profile.encr_alg;
  PROSE_TRY(Bytes iv, kemac_iv(keys.salt_key.view(), out.csb_id, out.t));
  PROSE_TRY(kemac.encr_data, aes_cm_128(keys.encr_key.view(), iv, plain.view()));
  kemac.mac_alg = profile.mac_alg;
  kemac.mac.assign(static_cast<std::size_t>(mac_length(profile.mac_alg)), 0);
  m.payloads.push_back(kemac);

  PROSE_TRY(out.message, encode(m));
  std::size_t mac_at = out.message.size() - kemac.mac.size();
  PROSE_TRY(Bytes mac, compute_mac(profile.mac_alg, keys.auth_key.view(), {ByteView(out.message).first(mac_at)}));
  std::copy(mac.begin(), mac.end(), out.message.begin() + static_cast<std::ptrdiff_t>(mac_at));

  if (p.verify) {
    PendingVerification pv;
    pv.prf_func_ = profile.prf_func;
    pv.mac_alg_ = profile.mac_alg;
    pv.csb_id_ = out.csb_id;
    pv.t_ = out.t;
    pv.idi_ = as_bytes(out.idi);
    pv.idr_ = as_bytes(out.idr);
    pv.auth_key_ = std::move(keys.auth_key);
    out.pending = std::move(pv);
  }
  return out;
}

Status PendingVerification::verify(ByteView r_message) const {
  PROSE_TRY(Decoded d, decode(r_message));
  const Message& m = d.msg;
  if (m.hdr.data_type != static_cast<std::uint8_t>(DataType::kPskResp))
    return fail_at(Errc::kState, 1,
                   "expected a PSK verification message, got " + std::string(data_type_name(m.hdr.data_type)));
  if (m.hdr.csb_id != csb_id_) return fail_at(Errc::kState, 4, "CSB ID does not match the delivery");
  if (m.payloads.empty() || !std::holds_alternative<VPayload>(m.payloads.back()) || !d.mac_offset)
    return fail_at(Errc::kMalformed, r_message.size(), "verification message does not end with a V payload");
  const auto& v = std::get<VPayload>(m.payloads.back());
  if (v.auth_alg != mac_alg_)
    return fail(Errc::kAuthFailed,
                "V auth alg " + std::string(mac_alg_name(v.auth_alg)) + " differs from the KEMAC MAC alg");
  PROSE_TRY(const TPayload* t, exactly_one<TPayload>(m, r_message.size(), "T"));
  if (t->ts_type != static_cast<std::uint8_t>(TsType::kNtpUtc) || t->value != t_)
    return fail(Errc::kState, "verification message timestamp differs from the delivery's");
  PROSE_TRY(Bytes mac,
            compute_mac(mac_alg_, auth_key_.view(), {v_mac_input(r_message.first(*d.mac_offset), idi_, idr_, t_)}));
  if (!ct_equal(mac, v.mac)) return fail(Errc::kAuthFailed, "verification message MAC failure");
  return ok_status();
}

// ---- UE side --------------------------------------------------------------------------------------------------

Receiver::Receiver(ReceiverConfig cfg) : cfg_(cfg), replay_(cfg.replay_capacity) {
  cfg_.window_seconds = std::clamp<std::int64_t>(cfg_.window_seconds, 0, std::int64_t{1} << 30);
}

void Receiver::add_pmk(ByteView pmk_id, SecretBytes pmk) {
  pmks_[Bytes(pmk_id.begin(), pmk_id.end())] = std::move(pmk);
}
void Receiver::remove_pmk(ByteView pmk_id) { pmks_.erase(Bytes(pmk_id.begin(), pmk_id.end())); }
Status Receiver::add_key_type(ByteView key_type_id, KeyClass c) {
  if (key_type_id.size() != kKeyTypeIdLen)
    return fail(Errc::kInvalidArgument, "Key Type ID must be " + std::to_string(kKeyTypeIdLen) + " octets, got " +
                                            std::to_string(key_type_id.size()));
  key_types_[Bytes(key_type_id.begin(), key_type_id.end())] = c;
  return ok_status();
}

Result<OpenedDelivery> Receiver::open(ByteView message, NtpTime now) {
  // 1. Structure only: nothing below uses a field before the MAC is verified, except the PMK ID to pick the key.
  PROSE_TRY(Decoded d, decode(message));
  const Message& m = d.msg;
  const std::size_t end = message.size();
  if (m.hdr.data_type != static_cast<std::uint8_t>(DataType::kPskInit))
    return fail_at(Errc::kUnsupported, 1,
                   "data type " + std::string(data_type_name(m.hdr.data_type)) + " is not a PSK I_MESSAGE");
  if (m.payloads.empty() || !std::holds_alternative<KemacPayload>(m.payloads.back()) || !d.mac_offset)
    return fail_at(Errc::kMalformed, end, "I_MESSAGE does not end with a KEMAC payload");
  const auto& kemac = std::get<KemacPayload>(m.payloads.back());
  PROSE_TRY(const TPayload* t, exactly_one<TPayload>(m, end, "T"));
  PROSE_TRY(const RandPayload* rand, exactly_one<RandPayload>(m, end, "RAND"));
  if (rand->rand.size() < kMinRandLen) return fail_at(Errc::kMalformed, end, "RAND shorter than 128 bits");
  PROSE_TRY(Identities ids, find_identities(m, end));
  if (kemac.mac_alg == static_cast<std::uint8_t>(MacAlg::kNull))
    return fail(Errc::kUnsupported, "KEMAC with a NULL MAC refused");
  if (kemac.encr_alg != static_cast<std::uint8_t>(EncrAlg::kAesCm128))
    return fail(Errc::kUnsupported, "KEMAC encr alg " + std::string(encr_alg_name(kemac.encr_alg)) + " not accepted");
  PROSE_TRY_STATUS(check_algorithms(d, kemac, cfg_.accept_rfc3830_defaults));

  // 2. Pick the PMK by the PMK ID in IDr.
  PROSE_TRY(ParsedIdr idr, parse_idr(*ids.idr));
  auto pmk = pmks_.find(idr.pmk_id);
  if (pmk == pmks_.end()) return fail(Errc::kNotFound, "unknown PMK ID " + to_hex(idr.pmk_id));

  // 3. MAC over the whole message up to the MAC field, constant-time compare.
  PROSE_TRY(TransportKeys keys, derive_transport_keys(m.hdr.prf_func, pmk->second.view(), m.hdr.csb_id, rand->rand,
                                                      kemac.encr_alg, kemac.mac_alg));
  PROSE_TRY(Bytes mac, compute_mac(kemac.mac_alg, keys.auth_key.view(), {message.first(*d.mac_offset)}));
  if (!ct_equal(mac, kemac.mac)) return fail(Errc::kAuthFailed, "MAC failure");

  // 4. Freshness: clock window, then the replay cache.
  PROSE_TRY_STATUS(check_t_type(*t));
  const auto delta = static_cast<std::int64_t>(t->value - now);  // in 2^-32 s
  const std::int64_t limit = cfg_.window_seconds * (std::int64_t{1} << 32);
  const std::int64_t skew = ntp_diff_seconds(t->value, now);
  if (delta > limit || delta < -limit)
    return fail(Errc::kClockSkew, "timestamp " + std::to_string(skew) + " s from local time (window +-" +
                                      std::to_string(cfg_.window_seconds) + " s)");
  ReplayEntry entry{m.hdr.csb_id, t->value, rand->rand};
  PROSE_TRY_STATUS(replay_.check(entry));

  // 5. Decrypt and parse the key data.
  PROSE_TRY(Bytes iv, kemac_iv(keys.salt_key.view(), m.hdr.csb_id, t->value));
  SecretBytes plain = aes_cm_128_secret(keys.encr_key.view(), iv, kemac.encr_data);
  std::size_t encr_at = d.offsets.back() + 4;
  PROSE_TRY(std::vector<KeyData> kds, decode_key_data(plain.view(), encr_at));
  if (kds.size() != 1) return fail_at(Errc::kUnsupported, encr_at, "expected exactly one key data sub-payload");
  KeyData& kd = kds[0];

  // 6. Classify by the Key Type ID stored from the Key Response.
  PROSE_TRY(ParsedIdi idi, parse_idi(*ids.idi));
  auto type = key_types_.find(idi.key_type_id);
  if (type == key_types_.end()) return fail(Errc::kNotFound, "unknown Key Type ID " + to_hex(idi.key_type_id));
  OpenedDelivery out;
  out.key_class = type->second;
  out.key_type_id = type->first;
  PROSE_TRY_STATUS(check_key_validity(kd, t->value, encr_at));
  if (kd.kv == static_cast<std::uint8_t>(KvType::kInterval)) {
    out.valid_from = ntp_from_wire(kd.valid_from);
    out.valid_to = ntp_from_wire(kd.valid_to);
  }
  out.key_id = idi.key_id;
  out.key_request_trigger = idi.key_id == 0;
  out.pmk_id = idr.pmk_id;
  out.pkmf_fqdn = idi.fqdn;
  out.ue_id = idr.ue_id;
  out.csb_id = m.hdr.csb_id;
  out.t = t->value;
  // The trigger's key is random filler (profile section 4): discarded here (SecretBytes wipes it), never returned.
  if (!out.key_request_trigger) out.key = std::move(kd.key);
  for (const auto& p : m.payloads)
    if (const auto* x = std::get_if<GeneralExtPayload>(&p)) out.extensions.push_back(*x);

  // 7. Verification message (R_MESSAGE = HDR, T, IDr, V) when the V flag asks for one.
  if (m.hdr.v) {
    Message r;
    r.hdr = m.hdr;
    r.hdr.data_type = static_cast<std::uint8_t>(DataType::kPskResp);
    r.hdr.v = false;
    r.payloads.push_back(*t);
    if (ids.idr_payloads)
      r.payloads.push_back(
          IdrPayload{static_cast<std::uint8_t>(IdRole::kResponder), static_cast<std::uint8_t>(IdType::kNai), *ids.idr});
    else
      r.payloads.push_back(IdPayload{static_cast<std::uint8_t>(IdType::kNai), *ids.idr});
    VPayload v{kemac.mac_alg, Bytes(static_cast<std::size_t>(mac_length(kemac.mac_alg)), 0)};
    r.payloads.push_back(v);
    PROSE_TRY(Bytes rb, encode(r));
    std::size_t at = rb.size() - v.mac.size();
    PROSE_TRY(Bytes vmac, compute_mac(kemac.mac_alg, keys.auth_key.view(),
                                      {v_mac_input(ByteView(rb).first(at), *ids.idi, *ids.idr, t->value)}));
    std::copy(vmac.begin(), vmac.end(), rb.begin() + static_cast<std::ptrdiff_t>(at));
    out.verification_message = std::move(rb);
  }

  // 8. Only now, with everything valid, remember the message.
  std::uint64_t window = static_cast<std::uint64_t>(cfg_.window_seconds) << 32;
  replay_.remember(entry, now > window ? now - window : 0);
  return out;
}

}  // namespace prose::mikey
